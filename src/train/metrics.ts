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

export const emptyHistory = (): MetricsHistory => ({ steps: [], evals: [] });

/** exp(loss), capped so that a diverged loss prints as a large number rather than Infinity. */
export const perplexity = (loss: number): number => Math.exp(Math.min(loss, 80));
