import { describe, expect, it } from 'vitest';
import { downsample, type Point, smoothEma } from './series';

const line = (n: number, f: (i: number) => number): Point[] =>
  Array.from({ length: n }, (_, i) => ({ x: i, y: f(i) }));

describe('EMA smoothing', () => {
  it('is debiased: a constant series stays constant from the first point', () => {
    for (const p of smoothEma(
      line(50, () => 3),
      0.9,
    ))
      expect(p.y).toBeCloseTo(3, 12);
  });

  it('matches the recurrence by hand', () => {
    const s = smoothEma(
      [
        { x: 0, y: 1 },
        { x: 1, y: 3 },
      ],
      0.5,
    );
    expect(s[0].y).toBeCloseTo(1, 12);
    // ema = 0.5·(0.5·1) + 0.5·3 = 1.75, debiased by 1 − 0.25.
    expect(s[1].y).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('reduces noise and leaves weight 0 unchanged', () => {
    const noisy = line(1000, (i) => (i % 2 ? 1 : -1));
    const smooth = smoothEma(noisy, 0.95);
    expect(Math.abs(smooth[999].y)).toBeLessThan(0.05);
    expect(smoothEma(noisy, 0)).toBe(noisy);
  });

  it('skips non-finite values', () => {
    const s = smoothEma(
      [
        { x: 0, y: 2 },
        { x: 1, y: Number.NaN },
        { x: 2, y: 2 },
      ],
      0.6,
    );
    expect(s[2].y).toBeCloseTo(2, 12);
  });
});

describe('downsampling', () => {
  it('keeps 100k points to the threshold, with first and last', () => {
    const pts = line(100_000, (i) => Math.sin(i / 1000));
    const d = downsample(pts, 800);
    expect(d).toHaveLength(800);
    expect(d[0]).toBe(pts[0]);
    expect(d[799]).toBe(pts[99_999]);
    for (let i = 1; i < d.length; i++) expect(d[i].x).toBeGreaterThan(d[i - 1].x);
  });

  it('keeps a single spike', () => {
    const pts = line(10_000, (i) => (i === 4321 ? 50 : 1));
    expect(downsample(pts, 100).some((p) => p.y === 50)).toBe(true);
  });

  it('returns short series untouched', () => {
    const pts = line(10, (i) => i);
    expect(downsample(pts, 100)).toBe(pts);
  });
});
