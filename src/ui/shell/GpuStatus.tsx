// The adapter the GPU worker found and the result of its matmul self-test.
import { useGpu } from '../../store/gpu';

export function GpuStatus() {
  const { status, adapter, selfTest } = useGpu();
  const label = {
    starting: 'Starting GPU…',
    ready: 'GPU ready',
    failed: 'GPU check failed',
    unavailable: 'No GPU',
    lost: 'GPU lost',
  }[status];
  return (
    <div className={`gpu-status gpu-${status}`} data-testid="gpu-status" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span>{label}</span>
      {adapter && (
        <span className="muted" data-testid="gpu-adapter" title="WebGPU adapter">
          {adapter.description}
        </span>
      )}
      {selfTest && (
        <span className="muted" data-testid="gpu-selftest" data-ok={selfTest.ok}>
          self-test {selfTest.ok ? 'passed' : 'FAILED'} ({selfTest.shape.join('×')} matmul, max
          error {selfTest.maxError.toExponential(1)})
        </span>
      )}
    </div>
  );
}
