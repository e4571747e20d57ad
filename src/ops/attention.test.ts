import { describe, expect, it } from 'vitest';
import type { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import {
  type AttentionDecodeShape,
  type AttentionShape,
  type AttentionTiles,
  attentionBackward,
  attentionBackwardReference,
  attentionDecode,
  attentionDecodeCursor,
  attentionDecodeReference,
  attentionForward,
  attentionForwardReference,
  attentionMap,
  attentionMapReference,
  attentionTiles,
} from './attention';
import { compare, finiteDifference } from './check';

// Forward in fp32 against float64: scores are dh-term dot products of inputs ≤ 2 in magnitude
// (|s| ≲ 10), so probabilities carry relative errors of ~|s|·2⁻²⁴; out is a convex combination of
// values ≤ 1 and lse is ~|s|. Measured errors are ≤ 5e-7; 5e-6 keeps a 10x margin while an
// indexing or masking bug gives errors of order 0.1.
const FWD = { atol: 5e-6, rtol: 5e-6 };
// Backward sums up to T products of the above (|ds| ≲ 3, |q|, |k| ≲ 2), so its fp32 error grows
// with T: measured ≤ 5e-7 at T ≤ 37; 1e-5 leaves a 20x margin.
const BWD = { atol: 1e-5, rtol: 1e-5 };
// float64 reference against float64 central differences with h 1e-5: truncation (~h²) and
// rounding (~1e-16/h) errors measure ≤ 5e-9; 1e-7 still catches any wrong term.
const FD = { atol: 1e-7, rtol: 1e-7 };

const I3_TEST: AttentionShape = { B: 2, T: 16, D: 16, H: 2 };

interface Inputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

/** Random inputs; q scaled so that softmax rows are peaked rather than near uniform. */
function inputs(s: AttentionShape, seed: number, qScale = 2): Inputs {
  const n = s.B * s.T * s.D;
  return {
    q: randomArray(n, seed, qScale),
    k: randomArray(n, seed + 1, 1.5),
    v: randomArray(n, seed + 2),
  };
}

async function gpuForward(rt: GpuRuntime, s: AttentionShape, x: Inputs, tiles?: AttentionTiles) {
  const q = rt.bufferFrom('q', x.q);
  const k = rt.bufferFrom('k', x.k);
  const v = rt.bufferFrom('v', x.v);
  const out = rt.buffer('out', x.q.byteLength);
  const lse = rt.buffer('lse', s.B * s.H * s.T * 4);
  rt.run([await attentionForward(rt, q, k, v, out, lse, s, tiles)]);
  return { q, k, v, out, lse };
}

async function gpuBackward(
  rt: GpuRuntime,
  s: AttentionShape,
  x: Inputs,
  dout: Float32Array,
  tiles?: AttentionTiles,
) {
  const f = await gpuForward(rt, s, x, tiles);
  const dO = rt.bufferFrom('dout', dout);
  // Garbage in the gradient buffers: the backward must overwrite, not accumulate.
  const garbage = randomArray(dout.length, 99, 1000);
  const dq = rt.bufferFrom('dq', garbage);
  const dk = rt.bufferFrom('dk', garbage);
  const dv = rt.bufferFrom('dv', garbage);
  const launches = await attentionBackward(
    rt,
    f.q,
    f.k,
    f.v,
    f.out,
    dO,
    f.lse,
    dq,
    dk,
    dv,
    s,
    tiles,
  );
  rt.run(launches);
  const got = { dq: await rt.readF32(dq), dk: await rt.readF32(dk), dv: await rt.readF32(dv) };
  for (const b of [f.q, f.k, f.v, f.out, f.lse, dO, dq, dk, dv]) rt.destroy(b);
  return got;
}

const forwardCases: [string, AttentionShape, AttentionTiles | undefined][] = [
  ['i3-test B2 T16 D16 H2', I3_TEST, undefined],
  ['T37 D24 H2 (dh 12: 3 vec4s)', { B: 2, T: 37, D: 24, H: 2 }, undefined],
  ['T1', { B: 3, T: 1, D: 16, H: 2 }, undefined],
  ['T40 D128 H2 (dh 64: the default tiles shrink)', { B: 1, T: 40, D: 128, H: 2 }, undefined],
  // Tiles that divide nothing: 5 rows per workgroup, tiles of 8 and 36 staged rows, 1 to 3
  // threads per row (3: a part's first four keys can all be masked).
  ['T37 D16 H2, tiles BQ5 BK8 split3', { B: 2, T: 37, D: 16, H: 2 }, { BQ: 5, BK: 8, split: 3 }],
  ['T37 D16 H2, tiles BQ8 BK36 split1', { B: 1, T: 37, D: 16, H: 2 }, { BQ: 8, BK: 36, split: 1 }],
  ['T37 D24 H2, tiles BQ16 BK4 split2', { B: 2, T: 37, D: 24, H: 2 }, { BQ: 16, BK: 4, split: 2 }],
];

describe('attention forward', () => {
  for (const [name, s, tiles] of forwardCases) {
    it(`${name}: out and lse match the float64 reference`, async () => {
      const rt = await testRuntime();
      const x = inputs(s, s.T * 7 + s.D);
      const f = await gpuForward(rt, s, x, tiles);
      const out = await rt.readF32(f.out);
      const lse = await rt.readF32(f.lse);
      for (const b of [f.q, f.k, f.v, f.out, f.lse]) rt.destroy(b);
      const want = attentionForwardReference(x.q, x.k, x.v, s);
      expect(compare(out, want.out, FWD)).toBeNull();
      expect(compare(lse, want.lse, FWD)).toBeNull();
    });
  }

  it('picks tiles that fit 16 KiB of workgroup memory, keeping the tile long where rows can give', async () => {
    const rt = await testRuntime();
    const limits = { ...rt.info.limits, maxComputeWorkgroupStorageSize: 16384 };
    const tiles = (dh: number) =>
      attentionTiles({ info: { ...rt.info, limits } }, { B: 1, T: 8, D: 2 * dh, H: 2 });
    expect(tiles(32)).toEqual({ BQ: 64, BK: 32, split: 2 });
    // dh 64: 64 rows cannot combine their parts in 16 KiB; 32 rows leave room for 28-row tiles.
    expect(tiles(64)).toEqual({ BQ: 32, BK: 28, split: 2 });
    expect(tiles(128)).toEqual({ BQ: 16, BK: 12, split: 2 });
  });

  it('rejects staged tiles not in fours and head dims the registers do not hold', async () => {
    const rt = await testRuntime();
    const buf = rt.buffer('x', 4 * 32 * 4);
    const s = { B: 1, T: 4, D: 32, H: 1 };
    await expect(
      attentionForward(rt, buf, buf, buf, buf, buf, s, { BQ: 4, BK: 6, split: 2 }),
    ).rejects.toThrow(/BK 6 must be a positive multiple of 4/);
    await expect(
      attentionForward(rt, buf, buf, buf, buf, buf, { ...s, D: 10, H: 2 }),
    ).rejects.toThrow(/head dim 5 must be a multiple of 4/);
    rt.destroy(buf);
  });
});

describe('attention map', () => {
  // Each weight is a head average of exp(score − lse) from the forward's own lse, an fp32 score
  // (|s| ≲ 10) and lse within 5e-6 of float64 (FWD): about 1e-5 relative; rows sum to 1.
  for (const s of [
    { T: 16, D: 16, H: 2 },
    { T: 37, D: 24, H: 3 },
  ]) {
    it(`T${s.T} D${s.D} H${s.H}: head-averaged probabilities, rows summing to 1, at an offset`, async () => {
      const rt = await testRuntime();
      const shape = { ...s, B: 1 };
      const x = inputs(shape, s.T + s.H);
      const f = await gpuForward(rt, shape, x);
      const offset = 5;
      const out = rt.bufferFrom('map', new Float32Array(offset + s.T * s.T).fill(7));
      rt.run([await attentionMap(rt, f.q, f.k, f.lse, out, s, offset)]);
      const all = await rt.readF32(out);
      const map = all.subarray(offset);
      expect(Array.from(all.subarray(0, offset))).toEqual([7, 7, 7, 7, 7]);
      const want = attentionMapReference(x.q, x.k, s);
      expect(compare(map, want, { atol: 2e-5, rtol: 2e-5 })).toBeNull();
      for (let i = 0; i < s.T; i++) {
        const row = map.subarray(i * s.T, (i + 1) * s.T);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(row.subarray(i + 1).every((w) => w === 0)).toBe(true);
      }
      rt.destroyAll([f.q, f.k, f.v, f.out, f.lse, out]);
    });
  }
});

describe('attention backward', () => {
  const backwardCases: [string, AttentionShape, AttentionTiles | undefined][] = [
    ['i3-test B2 T16 D16 H2', I3_TEST, undefined],
    ['T37 D24 H2 (dh 12: 3 vec4s)', { B: 2, T: 37, D: 24, H: 2 }, undefined],
    ['T40 D128 H2 (dh 64: the default tiles shrink)', { B: 1, T: 40, D: 128, H: 2 }, undefined],
    ['T37 D16 H2, tiles BQ5 BK8 split3', { B: 2, T: 37, D: 16, H: 2 }, { BQ: 5, BK: 8, split: 3 }],
    [
      'T37 D16 H2, tiles BQ16 BK4 split1',
      { B: 1, T: 37, D: 16, H: 2 },
      { BQ: 16, BK: 4, split: 1 },
    ],
    [
      'T37 D24 H2, tiles BQ16 BK12 split2',
      { B: 2, T: 37, D: 24, H: 2 },
      { BQ: 16, BK: 12, split: 2 },
    ],
  ];
  for (const [name, s, tiles] of backwardCases) {
    it(`${name}: dq, dk, dv match the float64 reference`, async () => {
      const rt = await testRuntime();
      const x = inputs(s, s.T * 3 + s.D);
      const dout = randomArray(x.q.length, 17);
      const got = await gpuBackward(rt, s, x, dout, tiles);
      const want = attentionBackwardReference(x.q, x.k, x.v, dout, s);
      expect(compare(got.dq, want.dq, BWD)).toBeNull();
      expect(compare(got.dk, want.dk, BWD)).toBeNull();
      expect(compare(got.dv, want.dv, BWD)).toBeNull();
    });
  }

  for (const s of [I3_TEST, { B: 2, T: 9, D: 24, H: 3 }]) {
    it(`B${s.B} T${s.T} D${s.D} H${s.H}: GPU and CPU backward match finite differences`, async () => {
      const rt = await testRuntime();
      const x = inputs(s, 41);
      const dout = randomArray(x.q.length, 43);
      const got = await gpuBackward(rt, s, x, dout);
      const q = Float64Array.from(x.q);
      const k = Float64Array.from(x.k);
      const v = Float64Array.from(x.v);
      const loss = () => {
        const { out } = attentionForwardReference(q, k, v, s);
        let L = 0;
        for (let i = 0; i < out.length; i++) L += dout[i] * out[i];
        return L;
      };
      const ref = attentionBackwardReference(q, k, v, dout, s);
      const cases: [Float64Array, Float32Array, Float64Array][] = [
        [q, got.dq, ref.dq],
        [k, got.dk, ref.dk],
        [v, got.dv, ref.dv],
      ];
      for (const [param, gpu, cpu] of cases) {
        const fd = finiteDifference(loss, param);
        expect(compare(cpu, fd, FD)).toBeNull();
        expect(compare(gpu, fd, BWD)).toBeNull();
      }
    });
  }
});

describe('attention decode over the latent cache', () => {
  // i3-test: D 16, H 2, r 8, T 16. k = c·Wkᵀ and v = c·Wvᵀ for the full forward.
  const B = 2;
  const T = 16;
  const D = 16;
  const H = 2;
  const r = 8;
  const c = randomArray(B * T * r, 5);
  const Wk = randomArray(D * r, 6, 0.6);
  const Wv = randomArray(D * r, 7, 0.6);
  const Wq = randomArray(D * r, 8, 0.6);
  // Wq, Wk and Wv at offsets of one flat buffer, as in the model's parameters.
  const w = { wq: 3, wk: 3 + D * r + 5, wv: 3 + 2 * D * r + 9 };
  const params = new Float32Array(w.wv + D * r + 2);
  params.set(Wq, w.wq);
  params.set(Wk, w.wk);
  params.set(Wv, w.wv);
  const project = (W: Float32Array) => {
    const y = new Float64Array(B * T * D);
    for (let row = 0; row < B * T; row++)
      for (let d = 0; d < D; d++)
        for (let i = 0; i < r; i++) y[row * D + d] += c[row * r + i] * W[d * r + i];
    return y;
  };
  const full = attentionForwardReference(project(Wq), project(Wk), project(Wv), { B, T, D, H }).out;

  /** The ring of Tmax slots holding positions 0..t at (start + j) mod Tmax, garbage elsewhere. */
  function ring(Tmax: number, t: number, start: number): Float32Array {
    const cache = randomArray(B * Tmax * r, 1000 + t, 10);
    for (let b = 0; b < B; b++)
      for (let j = 0; j <= t; j++)
        for (let i = 0; i < r; i++)
          cache[(b * Tmax + ((start + j) % Tmax)) * r + i] = c[(b * T + j) * r + i];
    return cache;
  }
  /** Row t of every sequence of a (B·T, width) array: the latents, or the forward's output. */
  function rowsAt(src: ArrayLike<number>, t: number, width = D): Float64Array {
    const rows = new Float64Array(B * width);
    for (let b = 0; b < B; b++)
      for (let d = 0; d < width; d++) rows[b * width + d] = src[(b * T + t) * width + d];
    return rows;
  }

  // (position t, ring capacity Tmax, start slot): full window, wrapped starts, the first token.
  const steps: [number, number, number][] = [
    [15, 16, 0],
    [8, 16, 11],
    [15, 16, 9],
    [0, 16, 5],
    [12, 20, 17],
  ];

  it('the cursor names the last Tmax positions', () => {
    expect(Array.from(attentionDecodeCursor(16, 0))).toEqual([0, 1, 0, 0]);
    expect(Array.from(attentionDecodeCursor(16, 15))).toEqual([15, 16, 0, 0]);
    expect(Array.from(attentionDecodeCursor(16, 16))).toEqual([0, 16, 1, 0]);
    expect(Array.from(attentionDecodeCursor(16, 37))).toEqual([5, 16, 6, 0]);
  });

  it('the float64 decode reference equals the full forward (weight absorption)', () => {
    for (const [t, Tmax, start] of steps) {
      const shape: AttentionDecodeShape = { Bq: B, D, H, r, Tmax };
      const got = attentionDecodeReference(
        rowsAt(c, t, r),
        ring(Tmax, t, start),
        params,
        w,
        shape,
        t + 1,
        start,
      );
      // Both float64; only summation order differs.
      expect(compare(got, rowsAt(full, t), { atol: 1e-12, rtol: 1e-12 })).toBeNull();
    }
  });

  it('decode of position t equals the full forward row t, wrapped ring starts included', async () => {
    const rt = await testRuntime();
    for (const Tmax of [16, 20]) {
      const shape: AttentionDecodeShape = { Bq: B, D, H, r, Tmax };
      const io = {
        c: rt.buffer('c', B * r * 4),
        cache: rt.buffer('cache', B * Tmax * r * 4),
        params: rt.bufferFrom('params', params),
        cursor: rt.buffer('cursor', 16),
        out: rt.buffer('out', B * D * 4),
      };
      // Built once; each step rewrites the cursor, as the generation loop does.
      const launch = await attentionDecode(rt, io, shape, w);
      for (const [t, tmax, start] of steps) {
        if (tmax !== Tmax) continue;
        rt.write(io.c, Float32Array.from(rowsAt(c, t, r)));
        rt.write(io.cache, ring(Tmax, t, start));
        rt.write(io.cursor, Uint32Array.of(0, t + 1, start, 0));
        rt.run([launch]);
        // fp32 sums of r- and dh-term products of values ≲ 2 against float64: measured ≤ 2e-7.
        expect(
          compare(await rt.readF32(io.out), rowsAt(full, t), { atol: 2e-6, rtol: 2e-6 }),
        ).toBeNull();
      }
      for (const b of Object.values(io)) rt.destroy(b);
    }
  });
});
