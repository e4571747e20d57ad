import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../../train/metrics';
import { colourPosition, partNormGrid } from './partNormGrid';

const step = (s: number, partGradNorms?: number[]): StepMetrics => ({
  step: s,
  tokens: s,
  time: s,
  loss: 1,
  perplexity: Math.E,
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSec: 1,
  stepMs: 1,
  partGradNorms,
});

describe('partNormGrid', () => {
  it('lays the steps with part norms out as columns, a row per part', () => {
    const steps = [step(1, [1, 0.01, 10]), step(2), step(3, [2, 0.02, 20]), step(4)];
    const grid = partNormGrid(steps, 3, 100);
    expect(grid?.steps).toEqual([1, 3]);
    expect(grid?.norms).toEqual([
      [1, 2],
      [0.01, 0.02],
      [10, 20],
    ]);
    expect(grid?.lo).toBeCloseTo(-2, 12);
    expect(grid?.hi).toBeCloseTo(Math.log10(20), 12);
  });

  it('picks columns evenly, keeping the last, and skips norms of another model shape', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => step(i + 1, [i + 1]));
    steps.push(step(1001, [1, 2]));
    const grid = partNormGrid(steps, 1, 100);
    expect(grid?.steps).toHaveLength(100);
    expect(grid?.steps.slice(0, 2)).toEqual([10, 20]);
    expect(grid?.steps.at(-1)).toBe(1000);
  });

  it('has no grid for runs without part norms', () => {
    expect(partNormGrid([step(1), step(2)], 6, 100)).toBeUndefined();
  });

  it('places norms on a log scale between the grid’s ends', () => {
    const grid = partNormGrid([step(1, [0.001, 0.1, 10, 0, Number.NaN])], 5, 10);
    if (!grid) throw new Error('no grid');
    expect(colourPosition(grid, 0.001)).toBe(0);
    expect(colourPosition(grid, 0.1)).toBeCloseTo(0.5, 12);
    expect(colourPosition(grid, 10)).toBe(1);
    expect(colourPosition(grid, 0)).toBe(0);
    expect(colourPosition(grid, Number.NaN)).toBe(0);
  });
});
