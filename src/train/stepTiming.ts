// Timing training steps as the trainer runs them: up to STEPS_IN_FLIGHT queued on the GPU, so
// that it never waits for a read-back, a step's time being the interval between two steps'
// completions. `npm run bench` and the Model pane's speed estimate (speedProbe.ts) share it.
import { STEPS_IN_FLIGHT, type StepStats } from './trainer';

export interface StepTimes {
  /** Each timed step's milliseconds, completion to completion. */
  ms: number[];
  /** The CPU's part of each step (uploads, recording, submits): until `step()` first awaits. */
  cpuMs: number[];
  /** The last step's statistics. */
  last: StepStats;
}

/** Times `count` steps (count ≥ 1) of `step`, after the steps run before it have completed. */
export async function timeSteps(step: () => Promise<StepStats>, count: number): Promise<StepTimes> {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  const inFlight: Promise<StepStats>[] = [];
  let last: StepStats | undefined;
  let lastDone = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const done = step();
    cpuMs.push(performance.now() - t0);
    inFlight.push(
      done.then((stats) => {
        const now = performance.now();
        ms.push(now - lastDone);
        lastDone = now;
        return stats;
      }),
    );
    if (inFlight.length >= STEPS_IN_FLIGHT) last = await (inFlight.shift() as Promise<StepStats>);
  }
  while (inFlight.length > 0) last = await (inFlight.shift() as Promise<StepStats>);
  return { ms, cpuMs, last: last as StepStats };
}
