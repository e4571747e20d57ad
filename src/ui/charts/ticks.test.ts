import { describe, expect, it } from 'vitest';
import { axisTicks, formatValue, largest } from './ticks';

describe('chart labels', () => {
  it('label one axis in one form: a learning rate up to 3e-3 all in exponent form', () => {
    const f = axisTicks(3e-3);
    expect([0, 1e-3, 2e-3, 3e-3].map(f)).toEqual(['0', '1.0e-3', '2.0e-3', '3.0e-3']);
  });

  it('label an axis reaching 0.01 in exponent form too, and one reaching 0.5 in decimals', () => {
    const f = axisTicks(0.01);
    expect([0, 0.0025, 0.0075, 0.01].map(f)).toEqual(['0', '2.5e-3', '7.5e-3', '1.0e-2']);
    expect([0, 0.125, 0.5].map(axisTicks(0.5))).toEqual(['0', '0.125', '0.5']);
  });

  it('label a tokens axis reaching 2e5 all in exponent form, and a loss axis in plain numbers', () => {
    expect([0, 5000, 1e5, 2e5].map(axisTicks(2e5))).toEqual(['0', '5.0e+3', '1.0e+5', '2.0e+5']);
    expect([7.75, 8, 8.25].map(axisTicks(8.4))).toEqual(['7.75', '8', '8.25']);
  });

  it('format a single value by its own size', () => {
    expect(formatValue(2.5e-3)).toBe('2.5e-3');
    expect(formatValue(0.125)).toBe('0.125');
    expect(formatValue(75129)).toBe('7.5e+4');
  });

  it('find the largest size among the series, 0 for none', () => {
    const series = [{ points: [{ y: -3 }, { y: 2 }] }, { points: [{ y: 1 }] }];
    expect(largest(series, (p) => p.y)).toBe(3);
    expect(largest([], (p: { y: number }) => p.y)).toBe(0);
  });
});
