// From a run's metrics history to chart series: the chosen x axis (step, tokens or seconds),
// smoothing for the noisy per-step curves, and downsampling to what a chart can draw smoothly.
import type { MetricsHistory } from '../../train/metrics';
import { downsample, type Point, smoothEma } from './series';

export type XAxisKind = 'step' | 'tokens' | 'time';
export type StepMetric = 'loss' | 'perplexity' | 'lr' | 'gradNorm' | 'tokensPerSec';

/** Points drawn per series: enough for a smooth line at any chart width. */
export const MAX_POINTS = 1000;

export function stepSeries(
  h: MetricsHistory,
  metric: StepMetric,
  x: XAxisKind,
  smoothing: number,
): Point[] {
  const raw = h.steps.map((m) => ({ x: m[x], y: m[metric] }));
  // The learning rate is exact, not noisy: never smooth it.
  return downsample(metric === 'lr' ? raw : smoothEma(raw, smoothing), MAX_POINTS);
}

export function evalSeries(
  h: MetricsHistory,
  metric: 'valLoss' | 'valPerplexity',
  x: XAxisKind,
): Point[] {
  return downsample(
    h.evals.map((m) => ({ x: m[x], y: m[metric] })),
    MAX_POINTS,
  );
}
