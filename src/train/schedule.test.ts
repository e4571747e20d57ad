import { describe, expect, it } from 'vitest';
import { learningRate } from './schedule';

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
});
