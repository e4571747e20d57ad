import { describe, expect, it } from 'vitest';
import { DocumentIndex, tokenHash } from './documentIndex';

const doc = (...ids: number[]) => Uint16Array.from(ids);

describe('the document index', () => {
  it('gives a repeated document the split of its first copy, and records new ones', () => {
    const index = new DocumentIndex();
    expect(index.firstSplit(doc(1, 2, 3), 'validation')).toBeUndefined();
    expect(index.firstSplit(doc(1, 2), 'train')).toBeUndefined();
    expect(index.firstSplit(doc(1, 2, 3), 'train')).toBe('validation');
    expect(index.firstSplit(doc(1, 2), 'validation')).toBe('train');
    // The same tokens in another order, or one more, are another document.
    expect(index.firstSplit(doc(3, 2, 1), 'train')).toBeUndefined();
    expect(index.firstSplit(doc(1, 2, 3, 0), 'train')).toBeUndefined();
    expect(index.firstSplit(doc(), 'train')).toBeUndefined();
    expect(index.firstSplit(doc(), 'validation')).toBe('train');
    expect(index.size).toBe(5);
  });

  it('keeps every document through its growth, and tells 200,000 distinct ones apart', () => {
    const index = new DocumentIndex();
    const n = 200_000;
    const split = (i: number) => (i % 7 === 0 ? 'validation' : 'train');
    for (let i = 0; i < n; i++) {
      expect(index.firstSplit(doc(i & 0xffff, i >>> 16, 5), split(i))).toBeUndefined();
    }
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i += 997) {
      expect(index.firstSplit(doc(i & 0xffff, i >>> 16, 5), 'train')).toBe(split(i));
    }
    expect(index.size).toBe(n);
  });

  it('hashes tokens into two 32-bit words that depend on every token', () => {
    const [a, b] = tokenHash(doc(7, 8, 9));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 32);
    expect(b).toBeLessThan(2 ** 32);
    expect(tokenHash(doc(7, 8, 9))).toEqual([a, b]);
    for (const other of [doc(7, 8, 10), doc(6, 8, 9), doc(7, 8), doc(7, 8, 9, 9)]) {
      const [c, d] = tokenHash(other);
      expect(c).not.toBe(a);
      expect(d).not.toBe(b);
    }
  });
});
