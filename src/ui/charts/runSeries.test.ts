import { describe, expect, it } from 'vitest';
import type { MetricsHistory, StepMetrics } from '../../train/metrics';
import { chartReferences, evalSeries, MAX_POINTS, stepSeries } from './runSeries';

function history(n: number): MetricsHistory {
  const steps: StepMetrics[] = Array.from({ length: n }, (_, i) => ({
    step: i + 1,
    tokens: (i + 1) * 512,
    time: (i + 1) * 0.25,
    loss: 4 - i / n + (i % 2 ? 0.3 : -0.3),
    perplexity: 0,
    lr: 1e-3 * Math.min(1, (i + 1) / 10),
    gradNorm: 1,
    tokensPerSec: 2048,
    stepMs: 250,
    // Runs from before epochs were counted have none: the first 5 steps here.
    epochs: i < 5 ? undefined : (i + 1) / 100,
  }));
  return { steps, evals: [{ step: 10, tokens: 5120, time: 2.5, valLoss: 3.5, valPerplexity: 33 }] };
}

describe('run series for the charts', () => {
  it('uses the chosen x axis', () => {
    const h = history(20);
    expect(stepSeries(h, 'loss', 'tokens', 0)[3].x).toBe(2048);
    expect(stepSeries(h, 'loss', 'time', 0)[3].x).toBe(1);
    expect(evalSeries(h, 'valLoss', 'step')).toEqual([{ x: 10, y: 3.5 }]);
    // By epochs of the data: only the steps that know theirs; an evaluation at its step's.
    const byEpoch = stepSeries(h, 'loss', 'epochs', 0);
    expect(byEpoch).toHaveLength(15);
    expect(byEpoch[0].x).toBeCloseTo(0.06, 12);
    expect(evalSeries(h, 'valLoss', 'epochs')).toEqual([{ x: 0.1, y: 3.5 }]);
    const old = { ...h, steps: h.steps.slice(0, 5) };
    expect(evalSeries(old, 'valLoss', 'epochs')).toEqual([]);
  });

  it('smooths the loss but never the learning rate', () => {
    const h = history(200);
    const raw = stepSeries(h, 'loss', 'step', 0);
    const smooth = stepSeries(h, 'loss', 'step', 0.9);
    const wiggle = (p: { y: number }[]) =>
      p.slice(100).reduce((s, q, i, a) => s + (i ? Math.abs(q.y - a[i - 1].y) : 0), 0);
    expect(wiggle(smooth)).toBeLessThan(wiggle(raw) / 5);
    expect(stepSeries(h, 'lr', 'step', 0.9)).toEqual(stepSeries(h, 'lr', 'step', 0));
  });

  it('keeps 100k steps to a drawable number of points', () => {
    expect(stepSeries(history(100_000), 'loss', 'step', 0.6)).toHaveLength(MAX_POINTS);
  });

  it('zooms to a range: its points only, each as the whole run smoothed it, at full resolution', () => {
    const h = history(200);
    const all = stepSeries(h, 'loss', 'step', 0.9);
    const zoomed = stepSeries(h, 'loss', 'step', 0.9, [50, 60]);
    expect(zoomed).toEqual(all.filter((p) => p.x >= 50 && p.x <= 60));
    expect(zoomed).toHaveLength(11);
    expect(evalSeries(h, 'valLoss', 'step', [11, 60])).toEqual([]);
    expect(evalSeries(h, 'valLoss', 'step', [10, 60])).toHaveLength(1);
    // 100k steps downsampled to the range, not the range cut out of the whole run's 1000 points.
    const long = stepSeries(history(100_000), 'loss', 'step', 0, [1, 2000]);
    expect(long).toHaveLength(MAX_POINTS);
    expect(long.at(-1)?.x).toBe(2000);
  });
});

describe('chartReferences', () => {
  const run = (vocab: number, clipNorm: number) =>
    ({ config: { vocab_size: vocab }, settings: { clipNorm } }) as Parameters<
      typeof chartReferences
    >[1][number];

  it('draws the uniform guess on the loss (with its vocabulary where they differ) and the clip threshold on the gradient norm, once each', () => {
    const runs = [run(4466, 1), run(4466, 0.5), run(64, 1), run(64, 0)];
    expect(chartReferences('loss', runs)).toEqual([
      { y: Math.log(4466), label: 'uniform guess over 4,466 tokens' },
      { y: Math.log(64), label: 'uniform guess over 64 tokens' },
    ]);
    // One vocabulary among the runs: the level needs no size.
    expect(chartReferences('loss', runs.slice(0, 2))).toEqual([
      { y: Math.log(4466), label: 'uniform guess' },
    ]);
    // A run without clipping (0) has no threshold.
    expect(chartReferences('gradNorm', runs)).toEqual([
      { y: 1, label: 'clip 1' },
      { y: 0.5, label: 'clip 0.5' },
    ]);
    expect(chartReferences('lr', runs)).toEqual([]);
    expect(chartReferences('loss', [])).toEqual([]);
  });
});
