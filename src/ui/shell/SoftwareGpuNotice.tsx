// A warning where the browser gave the studio a CPU renderer instead of the GPU: everything works
// there, hundreds of times slower, and the fix is in the browser's settings.
import { useState } from 'react';
import { useGpu } from '../../store/gpu';

export function SoftwareGpuNotice() {
  const adapter = useGpu((s) => s.adapter);
  const [dismissed, setDismissed] = useState(false);
  if (!adapter?.software || dismissed) return null;
  return (
    <div className="banner warn" role="status" data-testid="gpu-software">
      The browser gave the studio a software renderer ({adapter.description}), which runs on the
      CPU, not on your GPU. Everything works, but training takes hundreds of times longer: the
      i3-test preset trains, i3-tiny and i3-22m would take hours a run. To use the GPU, turn on “Use
      graphics acceleration when available” (chrome://settings/system), check that chrome://gpu
      lists WebGPU as hardware accelerated, update the graphics driver if it does not, then reload.{' '}
      <button type="button" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
