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
  /** Steps timed (after the warm-up ones, which build the pipelines). */
  steps: number;
  /** Each part's GPU time in the profiled step. */
  breakdown: StepPartTime[];
  /** How the launches were timed: GPU timestamps, or each alone on the wall clock. */
  profiledBy: ProfilerMethod;
}

export const PROBE_WARMUP = 2;
export const PROBE_STEPS = 5;
/** Evaluations timed, each of PROBE_EVAL_BATCHES batches (their read-back shared, as in a run). */
export const PROBE_EVALS = 3;
export const PROBE_EVAL_BATCHES = 2;

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
    for (let i = 0; i < PROBE_WARMUP; i++) await step();
    const stepMs = median((await timeSteps(step, steps)).ms);
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
      evalBatchMs: median(evalMs) / PROBE_EVAL_BATCHES,
      tokensPerSec: (B * T * accumSteps) / (stepMs / 1000),
      steps,
      breakdown: stepBreakdown(profiler.report(), 1),
      profiledBy: profiler.method,
    };
  } finally {
    gpu.destroy();
  }
}
