// What a run records: one entry per optimizer step, one per evaluation.

export interface StepMetrics {
  step: number;
  /** Training tokens seen after this step. */
  tokens: number;
  /** Seconds of training (pauses excluded) after this step. */
  time: number;
  loss: number;
  perplexity: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  stepMs: number;
  /** Passes over the run's training data after this step (runs before it was kept: none). */
  epochs?: number;
  /**
   * The gradient norm of each part of the model (gradientParts: the embedding, each block's SSM
   * and attention, the final norm), on the steps partNormsKept picks (runs before it: none).
   */
  partGradNorms?: number[];
}

export interface EvalMetrics {
  step: number;
  tokens: number;
  time: number;
  valLoss: number;
  valPerplexity: number;
  /** Text the weights of this step wrote (TrainSettings.sampleTokens), where the run asked. */
  sample?: string;
}

export interface MetricsHistory {
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** About this many steps of a run keep their part norms: a picture's worth, not every step. */
const PART_NORM_RECORDS = 200;

/** Whether step (1-based) of a run of totalSteps keeps its part norms: the first, then evenly. */
export function partNormsKept(step: number, totalSteps: number): boolean {
  return step === 1 || step % Math.max(1, Math.ceil(totalSteps / PART_NORM_RECORDS)) === 0;
}

export const emptyHistory = (): MetricsHistory => ({ steps: [], evals: [] });

/** exp(loss), capped so that a diverged loss prints as a large number rather than Infinity. */
export const perplexity = (loss: number): number => Math.exp(Math.min(loss, 80));
