import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare, finiteDifference } from './check';
import {
  type Conv1dShape,
  conv1dBackward,
  conv1dBackwardPartialFloats,
  conv1dBackwardReference,
  conv1dForward,
  conv1dForwardReference,
} from './conv1d';

// Outputs are b + K products of terms ≤ 1 (|out| ≤ 5): fp32 fma rounding ~1e-6 at most.
const fwdTol = { atol: 2e-6, rtol: 1e-5 };
// dw and db sum ≤ 60 rows of terms ≤ 1 in fp32: rounding ≤ 60·2⁻²⁴ ≈ 3.6e-6 per unit, so 2e-5
// leaves margin; an indexing or masking bug errs by O(0.1) or more.
const gradTol = { atol: 2e-5, rtol: 1e-5 };
// The conv is linear in x, w and b: central differences are exact up to fp64 rounding (~1e-10).
const fdTol = { atol: 1e-7, rtol: 1e-7 };

// The forward and dx kernels walk blocks of 16 rows, four a step, then row by row; dw/db's first
// pass walks blocks of rowsPerGroup rows the same way.
const shapes: Conv1dShape[] = [
  { rows: 32, D: 16, T: 16, K: 4 }, // i3-test: batch 2; whole blocks and steps
  { rows: 36, D: 12, T: 12, K: 4, rowsPerGroup: 5 }, // blocks straddle sequence starts
  { rows: 39, D: 20, T: 13, K: 3, rowsPerGroup: 8 }, // a last block of a step and three rows
  { rows: 6, D: 4, T: 2, K: 4, rowsPerGroup: 4 }, // T < K: most taps read before t = 0
  // Blocks of 11 rows: two steps of four and three single rows, sequences starting inside both
  { rows: 60, D: 72, T: 15, K: 4, rowsPerGroup: 11 },
  // K > 4: two threads per channel in dw/db, the second's taps look back 4..6 rows (before t = 0
  // too); the forward and dx read those taps from memory
  { rows: 42, D: 8, T: 14, K: 7, rowsPerGroup: 9 },
  { rows: 20, D: 260, T: 5, K: 4 }, // 65 vec4 channels: over one workgroup; T divides no block
];

function inputs({ rows, D, K }: Conv1dShape, seed: number) {
  return {
    x: randomArray(rows * D, seed),
    w: randomArray(D * K, seed + 1),
    b: randomArray(D, seed + 2),
    dy: randomArray(rows * D, seed + 3),
    dw0: randomArray(D * K, seed + 4),
    db0: randomArray(D, seed + 5),
  };
}

const describeShape = (s: Conv1dShape) =>
  `rows ${s.rows}, D ${s.D}, T ${s.T}, K ${s.K}` +
  (s.rowsPerGroup ? `, ${s.rowsPerGroup} rows per block` : '');

describe('conv1d', () => {
  for (const [i, shape] of shapes.entries()) {
    const { rows, D, K } = shape;
    // Every second shape sums dw and db through one caller's scratch holding stale values, as the
    // model's backwards share one: dw's partials first, db's at the next bindable offset.
    const shared = i % 2 === 1;

    it(`forward + silu ${describeShape(shape)}`, async () => {
      const rt = await testRuntime();
      const { x, w, b } = inputs(shape, rows + D + K);
      const bufs = [rt.bufferFrom('x', x), rt.bufferFrom('w', w), rt.bufferFrom('b', b)];
      const out = rt.buffer('out', rows * D * 4);
      const act = rt.buffer('act', rows * D * 4);
      const [xb, wb, bb] = bufs;
      rt.run([await conv1dForward(rt, xb, wb, bb, out, act, shape)]);
      const want = conv1dForwardReference(x, w, b, shape);
      expect(compare(await rt.readF32(out), want.out, fwdTol)).toBeNull();
      expect(compare(await rt.readF32(act), want.act, fwdTol)).toBeNull();
      for (const buf of [...bufs, out, act]) rt.destroy(buf);
    });

    it(`backward ${describeShape(shape)}${shared ? ', shared partials' : ''}: dx overwritten, dw and db accumulated (run twice)`, async () => {
      const rt = await testRuntime();
      const { x, w, b, dy, dw0, db0 } = inputs(shape, rows + D + K);
      const xb = rt.bufferFrom('x', x);
      const wb = rt.bufferFrom('w', w);
      const dyb = rt.bufferFrom('dy', dy);
      const dx = rt.bufferFrom('dx', randomArray(rows * D, 99)); // stale values to overwrite
      const dw = rt.bufferFrom('dw', dw0);
      const db = rt.bufferFrom('db', db0);
      const partials = shared
        ? rt.bufferFrom('partials', randomArray(conv1dBackwardPartialFloats(shape), 98))
        : undefined;
      const backward = await conv1dBackward(rt, xb, wb, dyb, dx, dw, db, { ...shape, partials });
      rt.run([...backward, ...backward]);
      const got = { dx: await rt.readF32(dx), dw: await rt.readF32(dw), db: await rt.readF32(db) };

      const ref = conv1dBackwardReference(x, w, dy, shape);
      const x64 = Float64Array.from(x);
      const w64 = Float64Array.from(w);
      const b64 = Float64Array.from(b);
      const loss = () =>
        conv1dForwardReference(x64, w64, b64, shape).out.reduce((s, v, i) => s + v * dy[i], 0);
      const fd = {
        dx: finiteDifference(loss, x64),
        dw: finiteDifference(loss, w64),
        db: finiteDifference(loss, b64),
      };
      for (const k of ['dx', 'dw', 'db'] as const) expect(compare(ref[k], fd[k], fdTol)).toBeNull();
      expect(compare(got.dx, fd.dx, gradTol)).toBeNull();
      expect(compare(got.dx, ref.dx, gradTol)).toBeNull();
      expect(
        compare(
          got.dw,
          ref.dw.map((g, i) => dw0[i] + 2 * g),
          gradTol,
        ),
      ).toBeNull();
      expect(
        compare(
          got.db,
          ref.db.map((g, i) => db0[i] + 2 * g),
          gradTol,
        ),
      ).toBeNull();
      for (const buf of [xb, wb, dyb, dx, dw, db, ...(partials ? [partials] : [])]) rt.destroy(buf);
    });
  }

  it('rejects rows that are not whole sequences, and D that is not a multiple of 4', async () => {
    const rt = await testRuntime();
    const buf = rt.buffer('any', 64);
    await expect(
      conv1dForward(rt, buf, buf, buf, buf, buf, { rows: 10, D: 4, T: 4, K: 4 }),
    ).rejects.toThrow(RangeError);
    await expect(
      conv1dBackward(rt, buf, buf, buf, buf, buf, buf, { rows: 8, D: 6, T: 4, K: 4 }),
    ).rejects.toThrow(RangeError);
    rt.destroy(buf);
  });
});
