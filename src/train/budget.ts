// A run planned to a time budget, from the speed measured on this GPU (speedProbe.ts): the steps
// that fit in it, evaluations counted, and the size of model that is compute-optimal for it, as a
// config of the i3 family's shape.
//
// Compute-optimal (Hoffmann et al., 2022, "Training Compute-Optimal Large Language Models"): for a
// compute budget C ≈ 6·N·D (N parameters, D training tokens) the loss is lowest at about 20 tokens
// a parameter, so N = √(C / 120). C is what this GPU does in the budget at the measured speed:
// 6·N₀ FLOPs a token for the measured model of N₀ parameters (the tied head counted in N₀, as its
// product is a matmul a token like any other). A model of another size runs at another efficiency,
// so the suggestion is a first guess to measure, not a promise.

import type { I3Config } from '../model/config';
import { parameterCount } from '../model/config';
import type { TrainSettings } from './checkpoint';

export const TOKENS_PER_PARAMETER = 20;

/** What a budget needs of the speed measurement. */
export interface MeasuredSpeed {
  /** An optimizer step. */
  stepMs: number;
  /** One validation batch, forward only (an evaluation runs `evalBatches` of them). */
  evalBatchMs: number;
}

/** How long `steps` steps take with their evaluations, checkpoints and samples aside. */
export function runMs(
  steps: number,
  speed: MeasuredSpeed,
  s: Pick<TrainSettings, 'evalInterval' | 'evalBatches'>,
): number {
  const evals = s.evalInterval > 0 ? Math.floor(steps / s.evalInterval) : 0;
  return steps * speed.stepMs + evals * s.evalBatches * speed.evalBatchMs;
}

/** The most steps whose run (runMs) fits in `ms`; 0 where not even one does. */
export function stepsInTime(
  ms: number,
  speed: MeasuredSpeed,
  s: Pick<TrainSettings, 'evalInterval' | 'evalBatches'>,
): number {
  if (!(ms > 0 && speed.stepMs > 0)) return 0;
  // With k the time of an evaluation and E its interval, runMs(n) ≥ n·stepMs and
  // runMs(n) > n·(stepMs + k/E) − k: the answer is at most either bound, and within k/(stepMs + k/E)
  // steps of the second, which the walk down covers.
  const k = s.evalInterval > 0 ? s.evalBatches * speed.evalBatchMs : 0;
  const perStep = speed.stepMs + (s.evalInterval > 0 ? k / s.evalInterval : 0);
  let steps = Math.min(Math.floor(ms / speed.stepMs), Math.floor((ms + k) / perStep));
  while (steps > 0 && runMs(steps, speed, s) > ms) steps--;
  return steps;
}

/**
 * The schedule's steps for a run of `steps`: its warm-up kept where steps remain after it, else a
 * tenth of them.
 */
export function stepsPatch(
  schedule: Pick<TrainSettings['schedule'], 'warmupSteps'>,
  steps: number,
): Pick<TrainSettings['schedule'], 'totalSteps' | 'warmupSteps'> {
  const { warmupSteps } = schedule;
  return {
    totalSteps: steps,
    warmupSteps: warmupSteps < steps ? warmupSteps : Math.max(1, Math.round(steps / 10)),
  };
}

/**
 * The parameter count that is compute-optimal for `seconds` of training at `tokensPerSec`, the
 * speed measured for a model of `parameters`: √(6·N₀·tokens/s·seconds / (6·20)).
 */
export function computeOptimalParameters(
  parameters: number,
  tokensPerSec: number,
  seconds: number,
): number {
  return Math.sqrt((parameters * tokensPerSec * seconds) / TOKENS_PER_PARAMETER);
}

// The family's shape, as i3-tiny (width 128, 4 blocks) and i3-22m (512, 24) have it: heads of 32,
// a state of D/8, rank D/4, step rank D/16, and depth growing as width^1.29, the power that goes
// through both presets (24/4 = (512/128)^1.29).
const HEAD_DIM = 32;
const WIDTH_STEP = 32;
const MAX_WIDTH = 1024;
const DEPTH_POWER = Math.log(24 / 4) / Math.log(512 / 128);
const depthFor = (width: number) => 4 * (width / 128) ** DEPTH_POWER;

/** The i3 family's config of width D and L blocks, the rest (vocabulary, context, ...) from base. */
export function familyShape(base: I3Config, width: number, layers: number): I3Config {
  return {
    ...base,
    d_model: width,
    n_layers: layers,
    n_heads: width / HEAD_DIM,
    d_state: width / 8,
    rank: width / 4,
    dt_rank: Math.ceil(width / 16),
  };
}

/**
 * The config of the i3 family's shape nearest `parameters`: for each width (multiples of 32 up to
 * 1,024), the depth whose count is nearest, then the width whose depth is nearest the family's
 * for it, each mismatch as a log ratio. The smallest model (width 32, one block) where even it is
 * larger.
 */
export function familyConfig(base: I3Config, parameters: number): I3Config {
  let best = familyShape(base, WIDTH_STEP, 1);
  let bestCost = Number.POSITIVE_INFINITY;
  for (let width = WIDTH_STEP; width <= MAX_WIDTH; width += WIDTH_STEP) {
    const none = parameterCount(familyShape(base, width, 0));
    const perBlock = parameterCount(familyShape(base, width, 1)) - none;
    const layers = Math.max(1, Math.round((parameters - none) / perBlock));
    const config = familyShape(base, width, layers);
    const cost =
      Math.abs(Math.log(parameterCount(config) / parameters)) +
      Math.abs(Math.log(layers / depthFor(width)));
    if (cost < bestCost) {
      best = config;
      bestCost = cost;
    }
  }
  return best;
}
