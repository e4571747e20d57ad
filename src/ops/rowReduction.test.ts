import { describe, expect, it } from 'vitest';
import { BINDING_ALIGN_FLOATS, bufferAt } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare } from './check';
import { rowReduction } from './rowReduction';

// column_sum adds g blocks of values ≤ 1 in fp32: partial sums stay ≤ g, so each of the g
// additions rounds by ≤ g·2⁻²⁴ and the total by ≤ g²·2⁻²⁴ (5e-3 at g = 300); leaving out or
// doubling a block errs by a block's value, ~0.5 on average over the columns.
const sumTol = (groups: number) => ({ atol: Math.max(2e-6, groups * groups * 6e-8), rtol: 0 });

describe('rowReduction', () => {
  // (rows, cols, rows per block, blocks): fewer blocks than column_sum's 32 slices, more and not a
  // multiple of them, more than its 256 per step (slices × unroll 8) and not a multiple of them;
  // columns not a multiple of its 8 per workgroup, fewer than 8.
  const cases: [number, number, number, number][] = [
    [37, 300, 5, 8],
    [37, 45, 2, 19],
    [300, 33, 1, 300],
    [601, 5, 1, 601],
    [1, 3, 1, 1],
  ];
  // Every case twice: partial sums in a buffer of their own, and in a caller's scratch at an
  // offset (as the model shares one scratch among its backwards).
  for (const [[rows, cols, rowsPerGroup, groups], shared] of cases.flatMap(
    (c) =>
      [
        [c, false],
        [c, true],
      ] as const,
  )) {
    const where = shared ? "a caller's scratch" : 'their own buffer';
    it(`adds the blocks of partial sums into out (${groups} blocks of ${cols}, in ${where})`, async () => {
      const rt = await testRuntime();
      const out0 = randomArray(cols, 1);
      const out = rt.bufferFrom('out', out0);
      const at = BINDING_ALIGN_FLOATS;
      const scratch = shared ? rt.buffer('scratch', (at + groups * cols) * 4) : undefined;
      const red = await rowReduction(rt, 'test', out, rows, cols, rowsPerGroup, scratch, at);
      expect(red.groups).toBe(groups);
      const partial = randomArray(red.groups * cols, 2);
      const { buffer, offset } = bufferAt(red.partial);
      expect(buffer === scratch).toBe(shared);
      rt.write(buffer, partial, offset);
      rt.run([red.finish]);
      const want = Float64Array.from(out0);
      for (let g = 0; g < red.groups; g++) {
        for (let c = 0; c < cols; c++) want[c] += partial[g * cols + c];
      }
      expect(compare(await rt.readF32(out), want, sumTol(groups))).toBeNull();
      rt.destroy(out);
      rt.destroy(buffer);
    });
  }

  it('refuses a scratch too small for its partial sums', async () => {
    const rt = await testRuntime();
    const out = rt.buffer('out', 16);
    const scratch = rt.buffer('scratch', 4 * 4 * 7);
    const fits = rowReduction(rt, 'test', out, 7, 4, 1, scratch);
    await expect(fits).resolves.toMatchObject({ groups: 7 });
    const over = rowReduction(rt, 'test', out, 8, 4, 1, scratch);
    await expect(over).rejects.toThrow(/do not fit its scratch/);
    rt.destroyAll([out, scratch]);
  });

  it('refuses more blocks than one grid axis holds', async () => {
    const rt = await testRuntime();
    const out = rt.buffer('out', 16);
    await expect(rowReduction(rt, 'test', out, 65536 * 2, 1, 1)).rejects.toThrow(RangeError);
    rt.destroy(out);
  });
});
