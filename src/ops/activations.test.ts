import { describe, expect, it } from 'vitest';
import type { GpuRuntime, Launch } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import {
  gateBackward,
  gateBackwardReference,
  gateForward,
  gateForwardReference,
  type SoftplusBiasShape,
  siluBackward,
  siluBackwardReference,
  siluForwardReference,
  softplusBiasBackward,
  softplusBiasBackwardReference,
  softplusBiasForwardReference,
} from './activations';
import { compare, finiteDifference } from './check';

// Elementwise fp32 with exp and a few products: relative error of a few ulp (~1e-6); atol covers
// values near 0, where silu and its derivative cancel terms of O(1).
const elemTol = { atol: 1e-6, rtol: 1e-5 };
// dbias sums ≤ 37 rows of terms ≤ 1 in fp32: rounding ≤ 37·2⁻²⁴ ≈ 2.2e-6.
const sumTol = { atol: 1e-5, rtol: 1e-5 };
// Central differences (h 1e-5) of smooth fp64 functions: truncation and rounding ~1e-9.
const fdTol = { atol: 1e-6, rtol: 1e-6 };

/** Uploads `inputs` and `outputs` (their initial contents), runs the launches, reads `outputs`. */
async function gpu(
  inputs: Float32Array[],
  outputs: Float32Array[],
  build: (rt: GpuRuntime, bufs: GPUBuffer[]) => Promise<Launch | Launch[]>,
  repeat = 1,
): Promise<Float32Array[]> {
  const rt = await testRuntime();
  const bufs = [...inputs, ...outputs].map((a, i) => rt.bufferFrom(`t${i}`, a));
  const launches = [await build(rt, bufs)].flat();
  rt.run(Array.from({ length: repeat }, () => launches).flat());
  const got = await Promise.all(bufs.slice(inputs.length).map((b) => rt.readF32(b)));
  for (const b of bufs) rt.destroy(b);
  return got;
}

/** ∂/∂input of L = Σ dy ⊙ forward(), by central differences in float64 at the fp32 input. */
function lossGradient(
  forward: (at: Float64Array) => Float64Array,
  input: Float32Array,
  dy: ArrayLike<number>,
): Float64Array {
  const at = Float64Array.from(input);
  return finiteDifference(() => forward(at).reduce((s, v, i) => s + v * dy[i], 0), at);
}

/** Values of [-6, 6], and the tails where σ's exp would overflow if computed naively. */
function preActivations(n: number, seed: number): Float32Array {
  const x = randomArray(n, seed, 6);
  x.set([-100, -30, -20.5, 0, 20.5, 30, 100].slice(0, n));
  return x;
}

// A thread per vec4, 64 per workgroup: whole workgroups, a part-filled last one, a single vec4.
const sizes = [32 * 16, 37 * 12, 37 * 28, 4];

describe('silu', () => {
  for (const n of sizes) {
    // The forward is the conv's fused output (conv1d.test.ts).
    it(`backward, n ${n}`, async () => {
      const x = preActivations(n, n);
      const dy = randomArray(n, n + 1);
      const stale = randomArray(n, 99);
      const [dx] = await gpu([x, dy], [stale], (rt, [xb, dyb, dxb]) =>
        siluBackward(rt, xb, dyb, dxb, n),
      );
      const ref = siluBackwardReference(x, dy);
      const fd = lossGradient(siluForwardReference, x, dy);
      expect(compare(ref, fd, fdTol)).toBeNull();
      expect(compare(dx, ref, elemTol)).toBeNull();
      expect(compare(dx, fd, elemTol)).toBeNull();
    });
  }

  it('backward over more than 65,535 workgroups: grid1d spills onto the y axis', async () => {
    const n = 65535 * 256 + 772; // 256 floats per workgroup
    const x = preActivations(n, 5);
    const dy = randomArray(n, 6);
    const [dx] = await gpu([x, dy], [new Float32Array(n)], (rt, [xb, dyb, dxb]) =>
      siluBackward(rt, xb, dyb, dxb, n),
    );
    expect(compare(dx, siluBackwardReference(x, dy), elemTol)).toBeNull();
  });

  it('rejects n that is not a multiple of 4', async () => {
    const rt = await testRuntime();
    const buf = rt.buffer('any', 64);
    await expect(siluBackward(rt, buf, buf, buf, 10)).rejects.toThrow(RangeError);
    rt.destroy(buf);
  });
});

describe('softplus_bias', () => {
  // A thread per four columns walks a block four rows a step, then row by row.
  const shapes: SoftplusBiasShape[] = [
    { rows: 32, D: 16 }, // the default blocks, whole steps
    { rows: 37, D: 12, rowsPerGroup: 5 }, // a step and a row per block; a last block of 2 rows
    { rows: 37, D: 20, rowsPerGroup: 8 },
    { rows: 39, D: 4, rowsPerGroup: 11 }, // two steps and three rows; a last block of 6 rows
    { rows: 3, D: 264, rowsPerGroup: 1 }, // 66 vec4 columns: over one workgroup
  ];
  for (const shape of shapes) {
    const { rows, D } = shape;
    const n = rows * D;
    // bias like the initial dt_proj bias, softplus⁻¹ of dt ∈ [1e-3, 1e-1]; pre spans the
    // threshold (pre + bias > 20 is the identity) and the far left tail.
    const bias = randomArray(D, D, 2.3).map((v) => v - 4.6);
    const pre = randomArray(n, n, 3);
    pre.set([30, 40, -40].slice(0, n));
    const dDelta = randomArray(n, n + 1);

    // The forward is dt_proj's matmul epilogue (matmul.test.ts); the backward reads its f32 Δ.
    const delta = Float32Array.from(softplusBiasForwardReference(pre, bias, shape));

    it(`backward rows ${rows}, D ${D}: dpre overwritten, dbias accumulated (run twice)`, async () => {
      const dbias0 = randomArray(D, 7);
      const [dpre, dbias] = await gpu(
        [delta, dDelta],
        [randomArray(n, 99), dbias0],
        (rt, [d, dd, dp, db]) => softplusBiasBackward(rt, d, dd, dp, db, shape),
        2,
      );
      const ref = softplusBiasBackwardReference(pre, bias, dDelta, shape);
      const bias64 = Float64Array.from(bias);
      const pre64 = Float64Array.from(pre);
      const fdPre = lossGradient(
        (p) => softplusBiasForwardReference(p, bias64, shape),
        pre,
        dDelta,
      );
      const fdBias = lossGradient(
        (b) => softplusBiasForwardReference(pre64, b, shape),
        bias,
        dDelta,
      );
      expect(compare(ref.dpre, fdPre, fdTol)).toBeNull();
      expect(compare(ref.dbias, fdBias, fdTol)).toBeNull();
      expect(compare(dpre, ref.dpre, elemTol)).toBeNull();
      expect(compare(dpre, fdPre, elemTol)).toBeNull();
      expect(
        compare(
          dbias,
          ref.dbias.map((g, c) => dbias0[c] + 2 * g),
          sumTol,
        ),
      ).toBeNull();
    });
  }

  it('rejects D that is not a multiple of 4', async () => {
    const rt = await testRuntime();
    const buf = rt.buffer('any', 64);
    await expect(softplusBiasBackward(rt, buf, buf, buf, buf, { rows: 2, D: 6 })).rejects.toThrow(
      RangeError,
    );
    rt.destroy(buf);
  });
});

describe('gate', () => {
  for (const n of sizes) {
    it(`forward and backward, n ${n}`, async () => {
      const y = randomArray(n, n + 2, 2);
      const z = preActivations(n, n + 3);
      const dout = randomArray(n, n + 4);
      const [out] = await gpu([y, z], [new Float32Array(n)], (rt, [yb, zb, ob]) =>
        gateForward(rt, yb, zb, ob, n),
      );
      expect(compare(out, gateForwardReference(y, z), elemTol)).toBeNull();

      const [dy, dz] = await gpu(
        [y, z, dout],
        [randomArray(n, 98), randomArray(n, 99)],
        (rt, [yb, zb, db, dyb, dzb]) => gateBackward(rt, yb, zb, db, dyb, dzb, n),
      );
      const ref = gateBackwardReference(y, z, dout);
      const y64 = Float64Array.from(y);
      const z64 = Float64Array.from(z);
      const fdY = lossGradient((a) => gateForwardReference(a, z64), y, dout);
      const fdZ = lossGradient((a) => gateForwardReference(y64, a), z, dout);
      expect(compare(ref.dy, fdY, fdTol)).toBeNull();
      expect(compare(ref.dz, fdZ, fdTol)).toBeNull();
      expect(compare(dy, ref.dy, elemTol)).toBeNull();
      expect(compare(dz, ref.dz, elemTol)).toBeNull();
      expect(compare(dz, fdZ, elemTol)).toBeNull();
    });
  }
});
