// The learning-rate range test (L. N. Smith, "Cyclical Learning Rates for Training Neural
// Networks", 2017): the next run's model, from its seed's initial weights (or from the checkpoint
// it would train further), trains on its dataset for a sweep of steps whose learning rate grows
// geometrically from LR_SWEEP_MIN to LR_SWEEP_MAX.
// The loss falls once the rate is large enough to move the weights and blows up once it is too
// large; the suggested peak learning rate is a third of the rate where the smoothed loss was
// lowest (LR_SUGGESTION_DIVISOR, measured in docs/learning-rate.md). The sweep trains a throwaway
// copy: no run or checkpoint is written.

import type { ShardSource } from '../data/shardReader';
import type { GpuRuntime } from '../gpu/runtime';
import type { I3Config } from '../model/config';
import { validateConfig } from '../model/config';
import { initParameters } from '../model/init';
import { batchSource } from './batchSource';
import type { Checkpoint, TrainSettings } from './checkpoint';
import { validateSettings } from './defaults';
import { makeRunGpu, mixedSources, RunSetupError } from './run';

export const LR_SWEEP_MIN = 1e-5;
export const LR_SWEEP_MAX = 1;
export const LR_SWEEP_STEPS = 100;
/**
 * Weight of the past in the loss's moving average: single steps' losses are too noisy to compare,
 * and at 0.9 the average trails the raw loss by about ten steps (a factor of 3 in the rate): the
 * suggestion's divisor takes that back.
 */
export const LR_SMOOTHING = 0.9;
/**
 * The sweep stops once a step's loss is this many times the lowest smoothed loss (fastai's factor,
 * set against the raw loss: a blown-up step is unmistakable, while the average would trail it by
 * steps of still larger rates).
 */
export const LR_DIVERGENCE = 4;
/**
 * It also stops once the smoothed loss, having fallen by at least this fraction of where it
 * started, climbs back above the start: a language model's loss starts near ln V, the loss of a
 * uniform guess, and a wrecked model returns there rather than far above it (run AK2, i3-22m: the
 * raw loss peaked at 21 nats, under 4 times the lowest, then sat at ln 4466 = 8.40). The fall
 * keeps the noise of the flat start from stopping a sweep that has not begun to learn.
 */
export const LR_FALL = 0.05;
/**
 * The suggestion is the rate at the lowest smoothed loss divided by this. fastai's lr_min divides
 * by 10, but its average trails by some 50 steps, where this one's trails by 10: on the H200 (run
 * AK3-AK4, docs/learning-rate.md) a tenth was the worst of the rates tried for both i3-tiny and
 * i3-22m, and a third came within 1.5% of the best validation loss.
 */
export const LR_SUGGESTION_DIVISOR = 3;

/** The learning rate of sweep step i (0-based) of `steps`. */
export function sweepLr(i: number, steps: number): number {
  return LR_SWEEP_MIN * (LR_SWEEP_MAX / LR_SWEEP_MIN) ** (i / Math.max(1, steps - 1));
}

export interface LrPoint {
  lr: number;
  loss: number;
  /** The bias-corrected moving average of the losses up to this step. */
  smoothed: number;
}

export interface LrSweepResult {
  points: LrPoint[];
  /** The sweep stopped early: the loss blew up (or became NaN) past the last point's rate. */
  diverged: boolean;
  /** The user cancelled it, or a run started. */
  cancelled: boolean;
  /** A third of the rate at the lowest smoothed loss; none where the loss never fell. */
  suggestion?: number;
}

/** The sweep's points as they come, and when to stop. */
export class LrSweep {
  readonly points: LrPoint[] = [];
  private average = 0;
  private lowest = Number.POSITIVE_INFINITY;

  /** Adds a step's loss at its rate: its point (none for a NaN loss), and whether to stop. */
  add(lr: number, loss: number): { point?: LrPoint; diverged: boolean } {
    if (!Number.isFinite(loss)) return { diverged: true };
    this.average = LR_SMOOTHING * this.average + (1 - LR_SMOOTHING) * loss;
    const point = {
      lr,
      loss,
      smoothed: this.average / (1 - LR_SMOOTHING ** (this.points.length + 1)),
    };
    this.points.push(point);
    this.lowest = Math.min(this.lowest, point.smoothed);
    const start = this.points[0].smoothed;
    const back = this.lowest <= (1 - LR_FALL) * start && point.smoothed > start;
    return { point, diverged: back || loss > LR_DIVERGENCE * this.lowest };
  }
}

/**
 * The rate at the lowest smoothed loss over LR_SUGGESTION_DIVISOR, or undefined where that is the
 * first point (the loss never fell below where it started).
 */
export function suggestLr(points: LrPoint[]): number | undefined {
  let best = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i].smoothed < points[best].smoothed) best = i;
  }
  return best > 0 ? points[best].lr / LR_SUGGESTION_DIVISOR : undefined;
}

export interface LrSweepSetup {
  config: I3Config;
  settings: TrainSettings;
  /**
   * The checkpoint a run would train further (fine-tuning it on new data): the sweep starts from
   * its weights and optimizer state, its steps numbered on from the checkpoint's as that run's
   * would be. Its config is `config`. None: the run's seed's initial weights.
   */
  from?: Checkpoint;
  source: ShardSource;
  /** The sources of settings.mixIn's datasets, in its order: the sweep draws as the run would. */
  mixIn?: ShardSource[];
}

export interface LrSweepOptions {
  steps?: number;
  onPoint?: (point: LrPoint, index: number, steps: number) => void;
  /** Ends the sweep after the step in progress; the result has what came before. */
  signal?: AbortSignal;
}

/** Runs the range test for the run that `setup` would start; frees what it made on the GPU. */
export async function findLearningRate(
  rt: GpuRuntime,
  { config, settings, from, source, mixIn = [] }: LrSweepSetup,
  { steps = LR_SWEEP_STEPS, onPoint, signal }: LrSweepOptions = {},
): Promise<LrSweepResult> {
  const problems = [...validateConfig(config), ...validateSettings(settings)];
  if (problems.length) throw new RunSetupError(`The setup is invalid: ${problems.join('; ')}.`);
  const batches = batchSource(
    source,
    { batchSize: settings.batchSize, seqLen: settings.seqLen, seed: settings.seed },
    mixedSources(settings, mixIn),
  );
  const gpu = await makeRunGpu(rt, config, settings);
  try {
    gpu.model.loadState(
      from?.params ?? initParameters(config, settings.seed),
      from?.adamM,
      from?.adamV,
    );
    const startStep = from?.meta.step ?? 0;
    const sweep = new LrSweep();
    let diverged = false;
    for (let i = 0; i < steps && !diverged && !signal?.aborted; i++) {
      const lr = sweepLr(i, steps);
      const micro: Uint32Array[] = [];
      for (let m = 0; m < settings.accumSteps; m++) micro.push(await batches.nextTrainBatch());
      const added = sweep.add(lr, (await gpu.model.step(micro, lr, startStep + i + 1)).loss);
      diverged = added.diverged;
      if (added.point) onPoint?.(added.point, i, steps);
    }
    return {
      points: sweep.points,
      diverged,
      cancelled: Boolean(signal?.aborted) && !diverged && sweep.points.length < steps,
      suggestion: suggestLr(sweep.points),
    };
  } finally {
    gpu.destroy();
  }
}
