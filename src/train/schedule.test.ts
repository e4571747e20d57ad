import { describe, expect, it } from 'vitest';
import { learningRate, learningRateCurve } from './schedule';

const s = { peakLr: 1e-3, warmupSteps: 100, totalSteps: 1100, minRatio: 0.1 };

describe('learning-rate schedule', () => {
  it('warms up linearly to the peak', () => {
    expect(learningRate(s, 0)).toBeCloseTo(1e-5, 12);
    expect(learningRate(s, 49)).toBeCloseTo(5e-4, 12);
    expect(learningRate(s, 99)).toBeCloseTo(1e-3, 12);
  });

  it('decays by a cosine to 10% of the peak and stays there', () => {
    expect(learningRate(s, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 600)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(s, 1100)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 5000)).toBeCloseTo(1e-4, 12);
  });

  it('never rises after the warm-up', () => {
    let prev = Number.POSITIVE_INFINITY;
    for (let t = 100; t < 1200; t++) {
      const lr = learningRate(s, t);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
  });

  it('draws as at most the points asked for, with the peak and the last step', () => {
    const curve = learningRateCurve(s, 100);
    expect(curve.length).toBeLessThanOrEqual(102);
    expect(curve[0]).toEqual({ x: 1, y: learningRate(s, 0) });
    expect(curve).toContainEqual({ x: 100, y: 1e-3 });
    expect(curve.at(-1)).toEqual({ x: 1100, y: learningRate(s, 1099) });
    expect(curve.map((p) => p.x)).toEqual([...curve.map((p) => p.x)].sort((a, b) => a - b));
    // A schedule shorter than the count: every step.
    expect(learningRateCurve({ ...s, warmupSteps: 2, totalSteps: 5 }, 100).map((p) => p.x)).toEqual(
      [1, 2, 3, 4, 5],
    );
  });

  it('starts afresh at startStep: a warm-up and a whole cosine over the steps after it', () => {
    const later = { ...s, startStep: 5000, totalSteps: 6100 };
    for (const t of [0, 49, 99, 100, 600, 1099, 1100, 2000]) {
      expect(learningRate(later, 5000 + t)).toBeCloseTo(learningRate(s, t), 12);
    }
    const curve = learningRateCurve(later, 100);
    expect(curve[0]).toEqual({ x: 5001, y: learningRate(s, 0) });
    expect(curve).toContainEqual({ x: 5100, y: 1e-3 });
    expect(curve.at(-1)).toEqual({ x: 6100, y: learningRate(s, 1099) });
  });
});
