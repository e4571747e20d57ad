import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare } from './check';
import { addInplace, addInplaceReference, rowReduction } from './residual';

// One fp32 addition per element: the result is the correctly rounded sum, 2⁻²⁴ relative.
const addTol = { atol: 0, rtol: 1e-7 };
// column_sum adds ≤ 9 blocks of values ≤ 1 in fp32: rounding ≤ 9·2⁻²⁴ ≈ 5e-7.
const sumTol = { atol: 2e-6, rtol: 1e-6 };

describe('addInplace', () => {
  // The last size needs more than 65,535 workgroups: grid1d spills onto the y axis.
  for (const n of [32 * 16, 37 * 29, 65535 * 256 + 777]) {
    it(`x += y, n ${n}`, async () => {
      const rt = await testRuntime();
      const x0 = randomArray(n, n);
      const y0 = randomArray(n, n + 1);
      const x = rt.bufferFrom('x', x0);
      const y = rt.bufferFrom('y', y0);
      rt.run([await addInplace(rt, x, y, n)]);
      const want = Float64Array.from(x0);
      addInplaceReference(want, y0);
      expect(compare(await rt.readF32(x), want, addTol)).toBeNull();
      rt.destroy(x);
      rt.destroy(y);
    });
  }
});

describe('rowReduction', () => {
  it('adds the blocks of partial sums into out', async () => {
    const rt = await testRuntime();
    const [rows, cols, rowsPerGroup] = [37, 300, 5];
    const out0 = randomArray(cols, 1);
    const out = rt.bufferFrom('out', out0);
    const red = await rowReduction(rt, 'test', out, rows, cols, rowsPerGroup);
    expect(red.groups).toBe(8);
    const partial = randomArray(red.groups * cols, 2);
    rt.write(red.partial, partial);
    rt.run([red.finish]);
    const want = Float64Array.from(out0);
    for (let g = 0; g < red.groups; g++) {
      for (let c = 0; c < cols; c++) want[c] += partial[g * cols + c];
    }
    expect(compare(await rt.readF32(out), want, sumTol)).toBeNull();
    rt.destroy(out);
    rt.destroy(red.partial);
  });

  it('refuses more blocks than one grid axis holds', async () => {
    const rt = await testRuntime();
    const out = rt.buffer('out', 16);
    await expect(rowReduction(rt, 'test', out, 65536 * 2, 1, 1)).rejects.toThrow(RangeError);
    rt.destroy(out);
  });
});
