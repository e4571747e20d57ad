import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare, finiteDifference } from './check';
import {
  type RmsNormShape,
  rmsnormBackward,
  rmsnormBackwardReference,
  rmsnormForward,
  rmsnormForwardReference,
} from './rmsnorm';

// y = x·rstd·w with |x|, |w| ≤ 1.5: fp32 sum of D squares and inverseSqrt (2 ulp) give a relative
// error of a few 1e-7; an indexing bug errs by O(1).
const fwdTol = { atol: 1e-6, rtol: 1e-5 };
// dx cancels two terms of O(rstd) ≈ 2 after a D-term fp32 sum; dw sums ≤ 150 rows of terms ≤ 3.
// fp32 rounding stays below n·2⁻²⁴·3 ≈ 1e-5 for n ≤ 200.
const gradTol = { atol: 5e-5, rtol: 1e-5 };
// Central differences (h 1e-5) of a smooth fp64 function: truncation and rounding ~1e-9.
const fdTol = { atol: 1e-6, rtol: 1e-6 };

// A row takes T threads of NV vec4s (rowMapping): the forward runs 256 / T rows per workgroup,
// the backward blocks of rowsPerGroup rows in passes of as many rows as fit.
const shapes: RmsNormShape[] = [
  { rows: 32, D: 16 }, // i3-test: a thread per row
  { rows: 37, D: 12, rowsPerGroup: 5 }, // last block partial
  { rows: 37, D: 20 }, // 5 vec4s over 2 threads: one idle slot; last block partial
  { rows: 150, D: 40 }, // 64 rows per forward workgroup: the third partial
  { rows: 5, D: 200, rowsPerGroup: 2 }, // 50 vec4s over 16 threads of 4: 14 idle slots
  { rows: 13, D: 512 }, // i3-22m's rows: 32 threads, 8 rows per workgroup; second block partial
  { rows: 9, D: 1024 }, // blocks of 2 passes of 4 rows; the second block has 1 row
  { rows: 3, D: 2052 }, // one row at a time over 256 threads: 8 passes, 5 without a row
];

function inputs({ rows, D }: RmsNormShape, seed: number) {
  return {
    x: randomArray(rows * D, seed),
    w: randomArray(D, seed + 1, 0.5).map((v) => 1 + v),
    dy: randomArray(rows * D, seed + 2),
    dw0: randomArray(D, seed + 3),
  };
}

describe('rmsnorm', () => {
  it('rejects D that is not a multiple of 4', async () => {
    const rt = await testRuntime();
    const b = rt.buffer('b', 64);
    expect(() => rmsnormForward(rt, b, b, b, b, { rows: 1, D: 13 })).toThrow(RangeError);
    rt.destroy(b);
  });

  for (const shape of shapes) {
    const { rows, D } = shape;
    const name = `${rows}×${D}${shape.rowsPerGroup ? `, ${shape.rowsPerGroup} rows per block` : ''}`;

    it(`forward ${name}`, async () => {
      const rt = await testRuntime();
      const { x, w } = inputs(shape, rows + D);
      const xb = rt.bufferFrom('x', x);
      const wb = rt.bufferFrom('w', w);
      const y = rt.buffer('y', rows * D * 4);
      const rstd = rt.buffer('rstd', rows * 4);
      rt.run([await rmsnormForward(rt, xb, wb, y, rstd, shape)]);
      const want = rmsnormForwardReference(x, w, shape);
      expect(compare(await rt.readF32(y), want.y, fwdTol)).toBeNull();
      expect(compare(await rt.readF32(rstd), want.rstd, fwdTol)).toBeNull();
      for (const b of [xb, wb, y, rstd]) rt.destroy(b);
    });

    it(`backward ${name}: dx overwritten or added into, dw accumulated (run twice)`, async () => {
      const rt = await testRuntime();
      const { x, w, dy, dw0 } = inputs(shape, rows + D);
      const xb = rt.bufferFrom('x', x);
      const wb = rt.bufferFrom('w', w);
      const dyb = rt.bufferFrom('dy', dy);
      const y = rt.buffer('y', rows * D * 4);
      const rstd = rt.buffer('rstd', rows * 4);
      const dx = rt.bufferFrom('dx', randomArray(rows * D, 99)); // stale values to overwrite
      const dw = rt.bufferFrom('dw', dw0);
      const backward = await rmsnormBackward(rt, xb, wb, rstd, dyb, dx, dw, shape);
      rt.run([await rmsnormForward(rt, xb, wb, y, rstd, shape), ...backward, ...backward]);
      const gotDx = await rt.readF32(dx);
      const gotDw = await rt.readF32(dw);

      const ref = rmsnormBackwardReference(x, w, dy, shape);
      const x64 = Float64Array.from(x);
      const w64 = Float64Array.from(w);
      const loss = () =>
        rmsnormForwardReference(x64, w64, shape).y.reduce((s, v, i) => s + v * dy[i], 0);
      const fdX = finiteDifference(loss, x64);
      const fdW = finiteDifference(loss, w64);
      expect(compare(ref.dx, fdX, fdTol)).toBeNull();
      expect(compare(ref.dw, fdW, fdTol)).toBeNull();
      expect(compare(gotDx, fdX, gradTol)).toBeNull();
      expect(compare(gotDx, ref.dx, gradTol)).toBeNull();
      expect(
        compare(
          gotDw,
          ref.dw.map((g, i) => dw0[i] + 2 * g),
          gradTol,
        ),
      ).toBeNull();
      // Accumulating: dx0 + dx from two runs of the same backward.
      const dx0 = randomArray(rows * D, 98);
      rt.write(dx, dx0);
      rt.run(await rmsnormBackward(rt, xb, wb, rstd, dyb, dx, dw, { ...shape, accumulate: true }));
      const twice = await rmsnormBackward(rt, xb, wb, rstd, dyb, dx, dw, {
        ...shape,
        accumulate: true,
      });
      rt.run(twice);
      expect(
        compare(
          await rt.readF32(dx),
          ref.dx.map((g, i) => dx0[i] + 2 * g),
          gradTol,
        ),
      ).toBeNull();
      for (const b of [xb, wb, dyb, y, rstd, dx, dw]) rt.destroy(b);
    });
  }
});
