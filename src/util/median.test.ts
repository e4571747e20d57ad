import { describe, expect, it } from 'vitest';
import { median } from './median';

describe('median', () => {
  it('of odd and even counts, and of none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
