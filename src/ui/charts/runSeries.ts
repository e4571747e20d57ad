// From a run's metrics history to chart series: the chosen x axis (step, tokens, seconds or
// epochs of the data), smoothing for the noisy per-step curves, and downsampling to what a chart
// can draw smoothly.
import type { MetricsHistory, StepMetrics } from '../../train/metrics';
import type { RunRecord } from '../../train/runStore';
import type { Reference } from './MetricChart';
import { downsample, type Point, smoothEma } from './series';

export type XAxisKind = 'step' | 'tokens' | 'time' | 'epochs';
export type StepMetric = 'loss' | 'perplexity' | 'lr' | 'gradNorm' | 'tokensPerSec';

/** Points drawn per series: enough for a smooth line at any chart width. */
export const MAX_POINTS = 1000;

/** An x range the charts are zoomed to, ends included. */
export type XRange = readonly [number, number];

/**
 * The points within `range` (all where there is none), downsampled: a zoomed chart draws its
 * range at full resolution, and its y axis fits the points it shows.
 */
function visible(points: Point[], range: XRange | undefined): Point[] {
  const shown = range ? points.filter((p) => p.x >= range[0] && p.x <= range[1]) : points;
  return downsample(shown, MAX_POINTS);
}

export function stepSeries(
  h: MetricsHistory,
  metric: StepMetric,
  x: XAxisKind,
  smoothing: number,
  range?: XRange,
): Point[] {
  // Steps from before runs counted epochs have no place on that axis.
  const raw = h.steps.flatMap((m) => {
    const at = m[x];
    return at === undefined ? [] : [{ x: at, y: m[metric] }];
  });
  // The learning rate is exact, not noisy: never smooth it. Smoothed over the whole run, then
  // cut to the range, so that zooming does not change a curve.
  return visible(metric === 'lr' ? raw : smoothEma(raw, smoothing), range);
}

export function evalSeries(
  h: MetricsHistory,
  metric: 'valLoss' | 'valPerplexity',
  x: XAxisKind,
  range?: XRange,
): Point[] {
  // An evaluation sits at its step's epochs.
  const at: (e: MetricsHistory['evals'][number]) => number | undefined =
    x === 'epochs' ? epochsAtStep(h.steps) : (e) => e[x];
  return visible(
    h.evals.flatMap((m) => {
      const v = at(m);
      return v === undefined ? [] : [{ x: v, y: m[metric] }];
    }),
    range,
  );
}

function epochsAtStep(steps: StepMetrics[]): (e: { step: number }) => number | undefined {
  const byStep = new Map(steps.map((m) => [m.step, m.epochs]));
  return (e) => byStep.get(e.step);
}

/**
 * The levels a chart's curves are read against, one per value among the charted runs: the loss of a
 * uniform guess over the vocabulary, ln V (where training starts; below it the model has learnt
 * something; where the runs' vocabularies differ, each level names its size), and the
 * gradient-clip threshold (above it each step's update is scaled down).
 */
export function chartReferences(
  metric: StepMetric,
  runs: readonly Pick<RunRecord, 'config' | 'settings'>[],
): Reference[] {
  const vocabs = new Set(runs.map((r) => r.config.vocab_size));
  const levels =
    metric === 'loss'
      ? runs.map((r) => ({
          y: Math.log(r.config.vocab_size),
          label:
            vocabs.size > 1
              ? `uniform guess over ${r.config.vocab_size.toLocaleString('en-US')} tokens`
              : 'uniform guess',
        }))
      : metric === 'gradNorm'
        ? runs
            .filter((r) => r.settings.clipNorm > 0)
            .map((r) => ({ y: r.settings.clipNorm, label: `clip ${r.settings.clipNorm}` }))
        : [];
  const seen = new Set<number>();
  return levels.filter((l) => !seen.has(l.y) && seen.add(l.y));
}
