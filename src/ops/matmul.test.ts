import { describe, expect, it } from 'vitest';
import type { GpuRuntime, Launch } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare } from './check';
import {
  type MatmulShape,
  matmul,
  matmulPartials,
  matmulReduce,
  matmulReference,
  matmulSplitK,
  matmulTile,
  type PartialSums,
  partialFloats,
  splitKPlan,
  splitKScratchFloats,
} from './matmul';

// fp32 products of K terms of magnitude ≤ 1: the GPU sums in fp32 (fma), the reference in fp64.
// Rounding error grows like sqrt(K)·2⁻²⁴·|terms|; atol 1e-5·K bounds it with a wide margin for
// K ≤ 1,000, and any indexing bug (a lost or doubled K slice or panel) gives errors of order 1.
const tol = (K: number) => ({ atol: 1e-5 * Math.max(K, 10), rtol: 1e-5 });

async function runCase(rt: GpuRuntime, shape: MatmulShape, seed: number) {
  const { M, N, K } = shape;
  const a = randomArray(M * K, seed);
  const b = randomArray(K * N, seed + 1);
  const c0 = randomArray(M * N, seed + 2);
  const A = rt.bufferFrom('A', a);
  const B = rt.bufferFrom('B', b);
  const C = rt.bufferFrom('C', c0);
  rt.run([await matmul(rt, A, B, C, shape)]);
  const got = await rt.readF32(C);
  const want = Float64Array.from(c0);
  matmulReference(a, b, want, shape);
  for (const buf of [A, B, C]) rt.destroy(buf);
  return { got, want };
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [65, 33, 17],
  [130, 67, 129],
  [64, 64, 64],
  [3, 200, 31],
];

// The 128×128-tile kernel on partial tiles, a K that is not a multiple of its panel (8), and
// several full tiles.
const largeShapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [130, 67, 129],
  [129, 257, 17],
  [256, 128, 16],
];

describe('matmul', () => {
  for (const tile of [64, 128] as const) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [M, N, K] of tile === 64 ? shapes : largeShapes) {
          it(`tile ${tile}: ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${M}×${N}×${K}`, async () => {
            const rt = await testRuntime();
            const shape = { M, N, K, transA, transB, tile };
            const { got, want } = await runCase(rt, shape, M * 31 + N);
            expect(compare(got, want, tol(K))).toBeNull();
          });
        }
      }
    }
  }

  // The fused stores of dt_proj (Δ = softplus(x·Wᵀ + bias)) and of out_proj.up (out = x + o1·Wᵀ),
  // at awkward sizes and with row strides and offsets in C; biases wide enough to cross softplus's
  // threshold (20) and its small-argument branch.
  for (const epilogue of ['softplusBias', 'residual'] as const) {
    for (const [M, N, K] of [
      [7, 13, 5],
      [130, 67, 33],
    ]) {
      it(`epilogue ${epilogue} ${M}×${N}×${K}, A·Bᵀ, strided C`, async () => {
        const rt = await testRuntime();
        const ldc = N + 3;
        const shape: MatmulShape = { M, N, K, transB: true, ldc, offC: 5, epilogue };
        const a = randomArray(M * K, 3);
        const b = randomArray(N * K, 4);
        const e =
          epilogue === 'softplusBias'
            ? Float32Array.from({ length: N }, (_, i) => -30 + (60 * i) / N)
            : randomArray(5 + M * ldc, 5);
        const c0 = randomArray(5 + M * ldc, 6);
        const [A, B, C, E] = [a, b, c0, e].map((x, i) => rt.bufferFrom(`buf${i}`, x));
        rt.run([await matmul(rt, A, B, C, shape, 'matmul', E)]);
        const want = Float64Array.from(c0);
        matmulReference(a, b, want, shape, e);
        // Δ is often 1e-3..1e-1 and far smaller in the left tail: softplus(v) must be accurate
        // relative to its value. v's fp32 rounding (≤ K·6e-8 here) moves it by that much relative
        // (softplus' = σ ≤ 1, and softplus ≈ eᵛ where small).
        const t = epilogue === 'softplusBias' ? { atol: 1e-12, rtol: 1e-5 } : tol(K);
        expect(compare(await rt.readF32(C), want, t)).toBeNull();
      });
    }
  }

  it('plans a fused store on the 64×64 tile, unsplit, whatever its shape', () => {
    // Unfused, these would take the 128×128 tile and 7 K slices (the head's weight gradient).
    const big: MatmulShape = { M: 4466, N: 512, K: 4096, transA: true };
    expect(splitKPlan(big)).toEqual({ tile: 128, splitK: 7 });
    expect(splitKPlan({ ...big, epilogue: 'residual' })).toEqual({ tile: 64, splitK: 1 });
    expect(splitKScratchFloats({ ...big, epilogue: 'softplusBias' })).toBe(0);
  });

  it('refuses an epilogue it cannot fuse', async () => {
    const rt = await testRuntime();
    const A = rt.buffer('A', 64);
    const shape: MatmulShape = { M: 4, N: 4, K: 4, epilogue: 'residual' };
    await expect(async () => matmul(rt, A, A, A, shape)).rejects.toThrow(/needs E/);
    await expect(async () => matmul(rt, A, A, A, { ...shape, tile: 128 }, 'm', A)).rejects.toThrow(
      /needs E/,
    );
  });

  it('picks 128×128 tiles only for outputs of ≥ 256 such tiles, and they compute the same', async () => {
    expect(matmulTile({ M: 4096, N: 4466, K: 512 })).toBe(128);
    expect(matmulTile({ M: 4096, N: 512, K: 4466 })).toBe(64);
    expect(matmulTile({ M: 4096, N: 512, K: 4466, tile: 128 })).toBe(128);
    const rt = await testRuntime();
    const shape = { M: 2049, N: 2050, K: 3, transB: true, accumulate: true, alpha: -0.5 };
    const launch = await matmul(rt, rt.buffer('a', 4), rt.buffer('b', 4), rt.buffer('c', 4), shape);
    expect(launch.label).toBe('matmul 2049x2050x3 NT/128');
    const { got, want } = await runCase(rt, shape, 11);
    expect(compare(got, want, tol(3))).toBeNull();
  });

  it('128×128 tiles accumulate with alpha and address slices through strides and offsets', async () => {
    const rt = await testRuntime();
    const shape = {
      M: 70,
      N: 130,
      K: 9,
      transA: true,
      lda: 75,
      offA: 2,
      ldb: 140,
      offB: 5,
      ldc: 133,
      offC: 1,
      accumulate: true,
      alpha: 0.25,
      tile: 128 as const,
    };
    const a = randomArray(9 * 75 + 2, 21);
    const b = randomArray(9 * 140 + 5, 22);
    const c0 = randomArray(70 * 133 + 1, 23);
    const [A, B, C] = [a, b, c0].map((x, i) => rt.bufferFrom(`s${i}`, x));
    rt.run([await matmul(rt, A, B, C, shape)]);
    const got = await rt.readF32(C);
    const want = Float64Array.from(c0);
    matmulReference(a, b, want, shape);
    expect(compare(got, want, tol(9))).toBeNull();
    for (const buf of [A, B, C]) rt.destroy(buf);
  });

  it('accumulates into C with alpha (gradient accumulation)', async () => {
    const rt = await testRuntime();
    const shape = { M: 37, N: 70, K: 19, transA: true, accumulate: true, alpha: 0.5 };
    const { got, want } = await runCase(rt, shape, 5);
    expect(compare(got, want, tol(19))).toBeNull();
  });

  it('reads and writes slices through leading dimensions and offsets', async () => {
    const rt = await testRuntime();
    // A is the second 6-column block of a 9×20 matrix; C a window of a wider output.
    const shape = { M: 9, N: 5, K: 6, lda: 20, offA: 6, ldb: 5, ldc: 11, offC: 3, transB: false };
    const a = randomArray(9 * 20, 1);
    const b = randomArray(6 * 5, 2);
    const c0 = randomArray(9 * 11, 3);
    const A = rt.bufferFrom('A', a);
    const B = rt.bufferFrom('B', b);
    const C = rt.bufferFrom('C', c0);
    rt.run([await matmul(rt, A, B, C, shape)]);
    const got = await rt.readF32(C);
    const want = Float64Array.from(c0);
    matmulReference(a, b, want, shape);
    expect(compare(got, want, tol(6))).toBeNull();
    // Untouched columns keep their values exactly.
    expect(got[0]).toBe(c0[0]);
    expect(got[10]).toBe(c0[10]);
  });
});

describe('split-K matmul', () => {
  it('plans the 128×128 tile, split where K is long, for the head; the 64×64 for rank 128', () => {
    // i3-22m (4,096 rows, D 512, V 4,466): logits, dx = dlogits·E, dE += dlogitsᵀ·x.
    expect(splitKPlan({ M: 4096, N: 4466, K: 512, transB: true })).toEqual({
      tile: 128,
      splitK: 1,
    });
    expect(splitKPlan({ M: 4096, N: 512, K: 4466 })).toEqual({ tile: 128, splitK: 2 });
    expect(splitKPlan({ M: 4466, N: 512, K: 4096, transA: true })).toEqual({
      tile: 128,
      splitK: 7,
    });
    expect(splitKScratchFloats({ M: 4096, N: 4466, K: 512 })).toBe(0);
    expect(splitKScratchFloats({ M: 4096, N: 512, K: 4466 })).toBe(2 * 4096 * 512);
    expect(splitKScratchFloats({ M: 4466, N: 512, K: 4096 })).toBe(7 * 4466 * 512);
    // The rank-128 maps keep the 64×64 tile and their splits: forward / dx with K 512, dW with
    // K = 4,096 and 16 output tiles, and no split for K 128.
    expect(splitKPlan({ M: 4096, N: 128, K: 512 })).toEqual({ tile: 64, splitK: 2 });
    expect(splitKPlan({ M: 128, N: 512, K: 4096 })).toEqual({ tile: 64, splitK: 16 });
    expect(splitKPlan({ M: 4096, N: 512, K: 128 })).toEqual({ tile: 64, splitK: 1 });
    expect(splitKPlan({ M: 128, N: 512, K: 100 })).toEqual({ tile: 64, splitK: 1 });
    // Overrides: a forced tile gets that tile's own slices; a K of a few panels fewer slices than
    // asked (kChunk rounds up to 16), and one slice is the plain matmul with matmulTile's tile.
    expect(splitKPlan({ M: 70, N: 130, K: 40, tile: 128, splitK: 4 })).toEqual({
      tile: 128,
      splitK: 3,
    });
    expect(splitKPlan({ M: 4096, N: 512, K: 16, splitK: 2 })).toEqual({ tile: 64, splitK: 1 });
    expect(splitKPlan({ M: 4096, N: 512, K: 4466, tile: 64 })).toEqual({ tile: 64, splitK: 1 });
    expect(splitKPlan({ M: 4096, N: 512, K: 4466, splitK: 4 })).toEqual({ tile: 128, splitK: 4 });
  });

  // Shapes that are multiples of neither tile nor K chunk (kChunk = ⌈K/S/16⌉·16, so the last slice
  // is shorter and ends inside a K panel), all four transposes, each tile; K 77 or 40 with 4
  // slices asked gives 3.
  for (const [tile, M, N, K, S, tA, tB] of [
    [64, 37, 70, 100, 3, true, false],
    [64, 65, 9, 300, 7, true, false],
    [64, 16, 16, 33, 2, true, false],
    [64, 70, 20, 129, 2, false, true],
    [64, 33, 40, 77, 4, false, false],
    [128, 200, 140, 517, 2, false, false],
    [128, 129, 257, 333, 4, true, false],
    [128, 130, 67, 1000, 3, false, true],
    [128, 131, 129, 77, 5, true, true],
    [128, 70, 130, 40, 4, false, false],
  ] as [64 | 128, number, number, number, number, boolean, boolean][]) {
    const op = `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'}`;
    it(`tile ${tile}: ${op} ${M}×${N}×${K} ${S} slices asked, accumulating with alpha, strided with offsets`, async () => {
      const rt = await testRuntime();
      // A stored M×K (K×M when transposed) and B K×N (N×K) inside wider rows, after an offset.
      const [rowsA, colsA] = tA ? [K, M] : [M, K];
      const [rowsB, colsB] = tB ? [N, K] : [K, N];
      const shape = {
        M,
        N,
        K,
        transA: tA,
        transB: tB,
        accumulate: true,
        alpha: 0.5,
        lda: colsA + 5,
        offA: 3,
        ldb: colsB + 2,
        offB: 7,
        ldc: N + 3,
        offC: 2,
        tile,
        splitK: S,
      };
      const a = randomArray(shape.offA + rowsA * shape.lda, 1);
      const b = randomArray(shape.offB + rowsB * shape.ldb, 2);
      const c0 = randomArray(shape.offC + M * shape.ldc, 3);
      const [A, B, C] = [a, b, c0].map((x, i) => rt.bufferFrom(`split${i}`, x));
      const scratch = rt.buffer('scratch', splitKScratchFloats(shape) * 4);
      const launches = await matmulSplitK(rt, A, B, C, scratch, shape);
      expect(launches).toHaveLength(2);
      expect(launches[0].label).toContain(`/${tile} split`);
      rt.run(launches);
      const got = await rt.readF32(C);
      const want = Float64Array.from(c0);
      matmulReference(a, b, want, shape);
      expect(compare(got, want, tol(K))).toBeNull();
      // Outside the window C keeps its values exactly (the padding columns of each row).
      for (let m = 0; m < M; m++) {
        for (let n = N; n < shape.ldc; n++) {
          const i = shape.offC + m * shape.ldc + n;
          expect(got[i]).toBe(c0[i]);
        }
      }
      for (const buf of [A, B, C, scratch]) rt.destroy(buf);
    });
  }
});

describe('batched matmul', () => {
  // Terms laid out one after another with gaps (strides past each term's extent), inputs shared
  // (stride 0) or not; a batch of independent outputs, plain and split, and a summed batch, plain
  // and split, on both tiles and every transpose.
  const cases: [
    string,
    64 | 128,
    number,
    number,
    number,
    boolean,
    boolean,
    number,
    boolean,
    number,
  ][] = [
    ['independent, A shared', 64, 37, 70, 20, false, true, 3, false, 1],
    ['independent, split', 64, 33, 40, 300, true, false, 2, false, 3],
    ['independent, 128 tile', 128, 130, 67, 40, false, false, 3, false, 1],
    ['summed', 64, 65, 9, 30, false, false, 3, true, 1],
    ['summed, split', 64, 16, 40, 129, true, true, 2, true, 2],
    ['summed, 128 tile, split', 128, 129, 70, 77, false, true, 3, true, 3],
  ];
  for (const [name, tile, M, N, K, tA, tB, count, sum, S] of cases) {
    const op = `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'}`;
    it(`${name}: ${count} × ${op} ${M}×${N}×${K}, tile ${tile}, ${S} slices, accumulating`, async () => {
      const rt = await testRuntime();
      const shareA = name.includes('A shared');
      const batch = {
        count,
        strideA: shareA ? 0 : M * K + 5,
        strideB: N * K + 3,
        strideC: sum ? 0 : M * N + 7,
        sum,
      };
      const shape = {
        M,
        N,
        K,
        transA: tA,
        transB: tB,
        accumulate: true,
        alpha: 0.5,
        tile,
        splitK: S,
        batch,
      };
      const a = randomArray(M * K + (count - 1) * batch.strideA, 4);
      const b = randomArray(N * K + (count - 1) * batch.strideB, 5);
      const c0 = randomArray(M * N + (count - 1) * batch.strideC, 6);
      const [A, B, C] = [a, b, c0].map((x, i) => rt.bufferFrom(`batch${i}`, x));
      const scratch = rt.buffer('scratch', Math.max(1, splitKScratchFloats(shape)) * 4);
      const launches = await matmulSplitK(rt, A, B, C, scratch, shape);
      expect(launches).toHaveLength(S > 1 || sum ? 2 : 1);
      expect(launches[0].label).toContain(`${sum ? 'sum' : 'batch'}${count}`);
      rt.run(launches);
      const got = await rt.readF32(C);
      const want = Float64Array.from(c0);
      matmulReference(a, b, want, shape);
      expect(compare(got, want, tol(K * (sum ? count : 1)))).toBeNull();
      // The reference against term-by-term products: the batch is what it says.
      const byTerm = Float64Array.from(c0);
      for (let t = 0; t < count; t++) {
        const one = {
          ...shape,
          batch: undefined,
          offA: t * batch.strideA,
          offB: t * batch.strideB,
        };
        if (sum) {
          matmulReference(a, b, byTerm, { ...one, accumulate: true });
        } else {
          matmulReference(a, b, byTerm, { ...one, offC: t * batch.strideC });
        }
      }
      expect(compare(want, byTerm, { atol: 1e-12, rtol: 1e-12 })).toBeNull();
      for (const buf of [A, B, C, scratch]) rt.destroy(buf);
    });
  }

  it('refuses a summed batch without its partial sums', async () => {
    const rt = await testRuntime();
    const x = rt.buffer('x', 64);
    const shape = { M: 2, N: 2, K: 2, batch: { count: 2, strideA: 4, strideB: 4, sum: true } };
    expect(() => matmul(rt, x, x, x, shape)).toThrow(/summed batch needs matmulSplitK/);
  });
});

describe('partial products reduced together', () => {
  it('adds the partials of several products (split, batched, unsplit) into their places of one C in one launch', async () => {
    const rt = await testRuntime();
    // Weight-gradient-like products (Aᵀ·B, long K) into one gradient buffer at their offsets.
    const shapes: MatmulShape[] = [
      { M: 20, N: 33, K: 300, transA: true, offC: 5, splitK: 3, accumulate: true },
      {
        M: 7,
        N: 9,
        K: 70,
        transA: true,
        offC: 700,
        accumulate: true,
        batch: { count: 2, strideA: 7 * 70, strideB: 0, strideC: 63 },
      },
      { M: 3, N: 4, K: 10, transA: true, offC: 900, splitK: 1, accumulate: true },
    ];
    const c0 = randomArray(1000, 7);
    const C = rt.bufferFrom('C', c0);
    const want = Float64Array.from(c0);
    const scratch = rt.buffer('scratch', shapes.reduce((n, sh) => n + partialFloats(sh), 0) * 4);
    const launches: Launch[] = [];
    const sums: PartialSums[] = [];
    const inputs: GPUBuffer[] = [];
    let offset = 0;
    for (const [i, sh] of shapes.entries()) {
      const a = randomArray(sh.K * sh.M * (sh.batch?.count ?? 1), 10 + i);
      const b = randomArray(sh.K * sh.N, 20 + i);
      const [A, B] = [a, b].map((x) => rt.bufferFrom('in', x));
      inputs.push(A, B);
      const part = await matmulPartials(rt, A, B, scratch, sh, `p${i}`, offset);
      launches.push(part.launch);
      sums.push(part.sums);
      offset += partialFloats(sh);
      matmulReference(a, b, want, sh);
    }
    launches.push(await matmulReduce(rt, scratch, C, sums, 'reduce'));
    rt.run(launches);
    expect(compare(await rt.readF32(C), want, tol(300))).toBeNull();
    expect(() => matmulReduce(rt, scratch, C, [], 'none')).toThrow(/0 products/);
    for (const buf of [C, scratch, ...inputs]) rt.destroy(buf);
  });
});

describe('matvec (A·Bᵀ with a few rows of A)', () => {
  for (const [M, N, K] of [
    [1, 1, 1],
    [1, 4466, 40],
    [3, 37, 129],
    [8, 70, 33],
  ]) {
    it(`${M}×${N}×${K}, accumulating with alpha, through offsets`, async () => {
      const rt = await testRuntime();
      const shape = {
        M,
        N,
        K,
        transB: true,
        accumulate: true,
        alpha: 0.25,
        offA: 3,
        offB: 5,
        ldc: N + 1,
      };
      const a = randomArray(M * K + 3, 1);
      const b = randomArray(N * K + 5, 2);
      const c0 = randomArray(M * (N + 1), 3);
      const A = rt.bufferFrom('A', a);
      const B = rt.bufferFrom('B', b);
      const C = rt.bufferFrom('C', c0);
      const launch = await matmul(rt, A, B, C, shape);
      expect(launch.label).toContain('matvec');
      rt.run([launch]);
      const got = await rt.readF32(C);
      const want = Float64Array.from(c0);
      matmulReference(a, b, want, shape);
      expect(compare(got, want, tol(K))).toBeNull();
      for (const buf of [A, B, C]) rt.destroy(buf);
    });
  }
});
