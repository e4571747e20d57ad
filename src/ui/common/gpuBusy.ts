// Why GPU work asked for from a pane (a speed probe, a sweep, an evaluation, a resume) cannot
// start now: the device is not ready, or a run holds it. Each pane says what to do meanwhile.
import { useGpu } from '../../store/gpu';
import { useRuns } from '../../store/runs';

/** 'The GPU is not ready.', `whileTraining` while a run trains, else undefined. */
export function useGpuBusy(whileTraining: string): string | undefined {
  const ready = useGpu((s) => s.status === 'ready');
  const training = useRuns((s) => s.liveRunId !== undefined);
  if (!ready) return 'The GPU is not ready.';
  return training ? whileTraining : undefined;
}
