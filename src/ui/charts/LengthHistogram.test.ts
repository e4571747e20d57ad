import { describe, expect, it } from 'vitest';
import { bucketLabel, lengthBuckets } from './LengthHistogram';

describe('document length histogram', () => {
  it('labels power-of-two buckets and marks those at or past the context, with their share', () => {
    expect([0, 1, 2, 8].map(bucketLabel)).toEqual(['1', '2–3', '4–7', '256–511']);
    // 10 documents: 2 of 1 token, 3 of 2-3, 4 of 4-7, 1 of 8-15.
    const lengths = [2, 3, 4, 1];
    const at4 = lengthBuckets(lengths, 4);
    expect(at4.bound).toBe(4);
    expect(at4.buckets.map((b) => b.long)).toEqual([false, false, true, true]);
    expect(at4.share).toBeCloseTo(0.5, 12);
    // A context that is no power of two: the buckets from the next one up.
    expect(lengthBuckets(lengths, 5)).toMatchObject({ bound: 8, share: 0.1 });
    expect(lengthBuckets(lengths, 16).share).toBe(0);
    expect(lengthBuckets([], 16)).toEqual({ buckets: [], bound: 16, share: 0 });
  });
});
