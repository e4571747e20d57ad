import { describe, expect, it } from 'vitest';
import { partNormsKept } from './metrics';

describe('partNormsKept', () => {
  it('keeps every step of a short run, and about 200 of a long one, evenly', () => {
    const kept = (total: number) =>
      Array.from({ length: total }, (_, i) => i + 1).filter((s) => partNormsKept(s, total));
    expect(kept(40)).toHaveLength(40);
    expect(kept(200)).toHaveLength(200);
    const long = kept(20_000);
    expect(long).toHaveLength(201); // step 1, then every 100th
    expect(long.slice(0, 3)).toEqual([1, 100, 200]);
    expect(long.at(-1)).toBe(20_000);
    expect(kept(2_001).length).toBeLessThanOrEqual(201);
  });
});
