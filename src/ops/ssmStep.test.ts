import { describe, expect, it } from 'vitest';
import type { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { Rng } from '../util/random';
import { gateForwardReference, softplus } from './activations';
import { compare } from './check';
import { conv1dForwardReference } from './conv1d';
import { conv1dStateFloats } from './conv1dStep';
import { matmulReference } from './matmul';
import { selectiveScanReference } from './selectiveScan';
import { type SsmStepShape, type SsmStepWeights, ssmStep, ssmStepReference } from './ssmStep';

// Float64 against float64 with the same products: only the summation order differs.
const exact = { atol: 1e-12, rtol: 1e-12 };
// fp32 against float64 over T steps: each step's dot products (D ≤ 37 terms for x_proj, R for
// dt_proj) and N-term state sums round at ~1e-7 relative, the state carries them on (|exp(ΔA)| < 1
// damps them), and WGSL's exp is accurate to ~2⁻²¹: observed errors stay below 1e-6, so 2e-5
// leaves room, while a wrong weight, tap or state update errs by O(0.01) or more.
const tol = { atol: 2e-5, rtol: 2e-5 };

interface Case extends SsmStepShape {
  T: number;
}

// i3-test's SSM (D 16, N 4, R 2, K 4), awkward widths, and one sequence with a long x_proj.
const cases: Case[] = [
  { B: 2, D: 16, N: 4, R: 2, K: 4, T: 6 },
  { B: 3, D: 37, N: 5, R: 3, K: 3, T: 5 },
  { B: 1, D: 20, N: 64, R: 32, K: 4, T: 4 },
];

/** Random weights at offsets of one flat buffer, scaled as the spec's init. */
function makeParams(s: SsmStepShape, seed: number): { params: Float32Array; w: SsmStepWeights } {
  const { D, N, R, K } = s;
  const sizes = { convW: D * K, convB: D, xProj: (R + 2 * N) * D, dtW: D * R, dtB: D, ALog: D * N };
  const w = {} as SsmStepWeights;
  let at = 3;
  for (const [name, n] of Object.entries({ ...sizes, Dskip: D })) {
    w[name as keyof SsmStepWeights] = at;
    at += n + 1;
  }
  const rng = new Rng(seed);
  const params = new Float32Array(at);
  const fill = (off: number, n: number, f: (i: number) => number) => {
    for (let i = 0; i < n; i++) params[off + i] = f(i);
  };
  fill(w.convW, D * K, () => rng.uniform(-1, 1) / Math.sqrt(K));
  fill(w.convB, D, () => rng.uniform(-0.1, 0.1));
  fill(w.xProj, (R + 2 * N) * D, () => rng.uniform(-1, 1) / Math.sqrt(D));
  fill(w.dtW, D * R, () => rng.uniform(-1, 1) / Math.sqrt(R));
  fill(w.dtB, D, () => Math.log(Math.expm1(rng.uniform(1e-3, 1e-1))));
  fill(w.ALog, D * N, (i) => Math.log((i % N) + 1));
  fill(w.Dskip, D, () => rng.uniform(0.5, 1.5));
  return { params, w };
}

/** The full-sequence path over (B·T) rows of uz: conv, x_proj, dt_proj, softplus, scan, gate. */
function fullReference(params: Float32Array, w: SsmStepWeights, uz: Float32Array, s: Case) {
  const { B, T, D, N, R, K } = s;
  const rows = B * T;
  const col = (from: number, n: number, stride: number, src: ArrayLike<number>) =>
    Float64Array.from(
      { length: rows * n },
      (_, i) => src[Math.floor(i / n) * stride + from + (i % n)],
    );
  const u0 = col(0, D, 2 * D, uz);
  const z = col(D, D, 2 * D, uz);
  const slice = (off: number, n: number) => params.subarray(off, off + n);
  const u = conv1dForwardReference(u0, slice(w.convW, D * K), slice(w.convB, D), {
    rows,
    D,
    T,
    K,
  }).act;
  const xOut = R + 2 * N;
  const dbc = new Float64Array(rows * xOut);
  matmulReference(u, params, dbc, { M: rows, N: xOut, K: D, transB: true, offB: w.xProj });
  const pre = new Float64Array(rows * D);
  matmulReference(col(0, R, xOut, dbc), params, pre, {
    M: rows,
    N: D,
    K: R,
    transB: true,
    offB: w.dtW,
  });
  const delta = pre.map((v, i) => softplus(v + params[w.dtB + (i % D)]));
  const scan = selectiveScanReference(
    {
      u,
      delta,
      Bt: col(R, N, xOut, dbc),
      Ct: col(R + N, N, xOut, dbc),
      ALog: slice(w.ALog, D * N),
      Dskip: slice(w.Dskip, D),
    },
    { B, T, D, N },
  );
  return { dbc, g: gateForwardReference(scan.y, z) };
}

/** Row t of each sequence of a (B·T, width) array, packed (B, width). */
function rowsAt(a: ArrayLike<number>, s: Case, width: number, t: number): Float64Array {
  const out = new Float64Array(s.B * width);
  for (let b = 0; b < s.B; b++) {
    for (let i = 0; i < width; i++) out[b * width + i] = a[(b * s.T + t) * width + i];
  }
  return out;
}

function stepBuffers(rt: GpuRuntime, s: Case, params: Float32Array) {
  return {
    params: rt.bufferFrom('params', params),
    uz: rt.buffer('uz', s.B * 2 * s.D * 4),
    dbc: rt.buffer('dbc', s.B * (s.R + 2 * s.N) * 4),
    convState: rt.buffer('convState', conv1dStateFloats(s) * 4),
    h: rt.buffer('h', s.B * s.D * s.N * 4),
    g: rt.buffer('g', s.B * s.D * 4),
    halt: rt.buffer('halt', 4),
  };
}

describe('SSM decode step (x_proj with the conv, then the scan step with dt_proj and the gate)', () => {
  for (const s of cases) {
    const { B, T, D, N, R } = s;
    const name = `B ${B}, D ${D}, N ${N}, R ${R}, K ${s.K}, ${T} steps`;
    const { params, w } = makeParams(s, D + N);
    const uz = new Rng(D * N).fillUniform(new Float32Array(B * T * 2 * D), -1.5, 1.5);
    const full = fullReference(params, w, uz, s);
    const xOut = R + 2 * N;

    it(`reference steps equal the full-sequence path (${name})`, () => {
      let conv: ArrayLike<number> = new Float64Array(conv1dStateFloats(s));
      let h: ArrayLike<number> = new Float64Array(B * D * N);
      for (let t = 0; t < T; t++) {
        const step = ssmStepReference(params, w, rowsAt(uz, s, 2 * D, t), conv, h, s);
        expect(compare(step.dbc, rowsAt(full.dbc, s, xOut, t), exact), `dbc, t ${t}`).toBeNull();
        expect(compare(step.g, rowsAt(full.g, s, D, t), exact), `g, t ${t}`).toBeNull();
        conv = step.convState;
        h = step.h;
      }
    });

    it(`GPU steps equal the reference steps, and a halted step keeps the states (${name})`, async () => {
      const rt = await testRuntime();
      const io = stepBuffers(rt, s, params);
      const launches = await ssmStep(rt, io, s, w);
      let conv: ArrayLike<number> = new Float64Array(conv1dStateFloats(s));
      let h: ArrayLike<number> = new Float64Array(B * D * N);
      for (let t = 0; t < T; t++) {
        const row = rowsAt(uz, s, 2 * D, t);
        rt.write(io.uz, Float32Array.from(row));
        rt.run(launches);
        const ref = ssmStepReference(params, w, row, conv, h, s);
        expect(compare(await rt.readF32(io.dbc), ref.dbc, tol), `dbc, t ${t}`).toBeNull();
        expect(compare(await rt.readF32(io.g), ref.g, tol), `g, t ${t}`).toBeNull();
        expect(
          compare(await rt.readF32(io.convState), ref.convState, exact),
          `conv, t ${t}`,
        ).toBeNull();
        expect(compare(await rt.readF32(io.h), ref.h, tol), `h, t ${t}`).toBeNull();
        conv = ref.convState;
        h = ref.h;
      }
      // Halted: the outputs as a live step would give them, the states untouched.
      const before = { conv: await rt.readF32(io.convState), h: await rt.readF32(io.h) };
      rt.write(io.halt, Uint32Array.of(1));
      const row = rowsAt(uz, s, 2 * D, 0);
      rt.write(io.uz, Float32Array.from(row));
      rt.run(launches);
      const ref = ssmStepReference(params, w, row, before.conv, before.h, s);
      expect(compare(await rt.readF32(io.g), ref.g, tol), 'halted: g').toBeNull();
      expect(Array.from(await rt.readF32(io.convState)), 'halted: conv').toEqual(
        Array.from(before.conv),
      );
      expect(Array.from(await rt.readF32(io.h)), 'halted: h').toEqual(Array.from(before.h));
      for (const b of Object.values(io)) rt.destroy(b);
    });
  }
});
