import { describe, expect, it } from 'vitest';
import { bucketLabel, shareAtLeast } from './LengthHistogram';

describe('document length histogram', () => {
  it('labels power-of-two buckets and counts the share at or past a bound', () => {
    expect([0, 1, 2, 8].map(bucketLabel)).toEqual(['1', '2–3', '4–7', '256–511']);
    // 10 documents: 2 of 1 token, 3 of 2-3, 4 of 4-7, 1 of 8-15.
    const lengths = [2, 3, 4, 1];
    expect(shareAtLeast(lengths, 4)).toBeCloseTo(0.5, 12);
    expect(shareAtLeast(lengths, 8)).toBeCloseTo(0.1, 12);
    expect(shareAtLeast(lengths, 16)).toBe(0);
    expect(shareAtLeast([], 16)).toBe(0);
  });
});
