// How fast a run of this config and these settings trains on this GPU, measured before it starts:
// a few optimizer steps of its model on random tokens, timed as the trainer runs them
// (stepTiming.ts), then one more profiled launch by launch for where its time goes
// (stepBreakdown.ts). The Model pane turns the figures into the run's duration and a bar.

import { Profiler, type ProfilerMethod } from '../gpu/profiler';
import type { GpuRuntime } from '../gpu/runtime';
import type { I3Config } from '../model/config';
import { initParameters } from '../model/init';
import { median } from '../util/median';
import { Rng } from '../util/random';
import type { TrainSettings } from './checkpoint';
import { makeRunGpu } from './run';
import { type StepPartTime, stepBreakdown } from './stepBreakdown';
import { timeSteps } from './stepTiming';

export interface SpeedEstimate {
  /** Median milliseconds an optimizer step takes. */
  stepMs: number;
  /** Median milliseconds of one validation batch (forward only, as an evaluation runs it). */
  evalBatchMs: number;
  tokensPerSec: number;
  /**
   * Steps timed (after the warm-up ones, which build the pipelines and wake the GPU): `steps` or
   * more, to last PROBE_BUSY_MS.
   */
  steps: number;
  /** Each part's GPU time in the profiled step. */
  breakdown: StepPartTime[];
  /** How the launches were timed: GPU timestamps, or each alone on the wall clock. */
  profiledBy: ProfilerMethod;
}

export const PROBE_WARMUP = 2;
export const PROBE_STEPS = 5;
/**
 * A GPU idle before the probe runs at a low clock until it has been busy a while: on the H200
 * (345 MHz idle), 5 steps of a 460k-parameter model timed 1.8 ms that trained at 1.1 ms (run AQ1,
 * docs/performance.md). So the warm-up steps on for this long, and the timed steps last at least
 * as long; both at most PROBE_MAX_STEPS.
 */
export const PROBE_BUSY_MS = 300;
export const PROBE_MAX_STEPS = 1000;
/** Evaluations timed, each of PROBE_EVAL_BATCHES batches (their read-back shared, as in a run). */
export const PROBE_EVALS = 3;
export const PROBE_EVAL_BATCHES = 2;

/** Times the run's steps on random tokens: `steps` at least (PROBE_BUSY_MS); frees what it made. */
export async function probeTrainingSpeed(
  rt: GpuRuntime,
  config: I3Config,
  settings: TrainSettings,
  steps = PROBE_STEPS,
): Promise<SpeedEstimate> {
  const { batchSize: B, seqLen: T, accumSteps } = settings;
  const gpu = await makeRunGpu(rt, config, settings);
  try {
    gpu.model.loadState(initParameters(config, settings.seed));
    const rng = new Rng(settings.seed);
    // Ids from 1: the pad id 0 would drop targets from the loss (and work from the step).
    const batch = () =>
      Uint32Array.from({ length: B * (T + 1) }, () => 1 + rng.int(config.vocab_size - 1));
    let n = 0;
    const step = () =>
      gpu.model.step(Array.from({ length: accumSteps }, batch), settings.schedule.peakLr, ++n);
    const warmFrom = performance.now();
    let warmed = 0;
    const busy = () => performance.now() - warmFrom < PROBE_BUSY_MS && warmed < PROBE_MAX_STEPS;
    // Rounds of doubling length, queued as the trainer queues them.
    while (warmed < PROBE_WARMUP || busy()) {
      const round = Math.max(PROBE_WARMUP, warmed);
      await timeSteps(step, round);
      warmed += round;
    }
    const warmStepMs = (performance.now() - warmFrom) / warmed;
    const timed = Math.min(PROBE_MAX_STEPS, Math.max(steps, Math.ceil(PROBE_BUSY_MS / warmStepMs)));
    const stepMs = median((await timeSteps(step, timed)).ms);
    const evalMs: number[] = [];
    // One more than timed: the first builds the evaluation's pipelines.
    for (let i = 0; i <= PROBE_EVALS; i++) {
      const t0 = performance.now();
      await gpu.model.evaluate(Array.from({ length: PROBE_EVAL_BATCHES }, batch));
      if (i > 0) evalMs.push(performance.now() - t0);
    }
    // Without timestamps the profiler replays each launch alone on this throwaway model.
    const profiler = new Profiler(rt).attach();
    try {
      await step();
      await profiler.collect();
    } finally {
      profiler.destroy();
    }
    return {
      stepMs,
      steps: timed,
      evalBatchMs: median(evalMs) / PROBE_EVAL_BATCHES,
      tokensPerSec: (B * T * accumSteps) / (stepMs / 1000),
      breakdown: stepBreakdown(profiler.report(), 1),
      profiledBy: profiler.method,
    };
  } finally {
    gpu.destroy();
  }
}
