import { describe, expect, it } from 'vitest';
import type { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare } from './check';
import {
  type MatmulShape,
  matmul,
  matmulReference,
  matmulSplitK,
  matmulTile,
  splitKFactor,
  splitKScratchFloats,
} from './matmul';

// fp32 products of K terms of magnitude ≤ 1: the GPU sums in fp32 (fma), the reference in fp64.
// Rounding error grows like sqrt(K)·2⁻²⁴·|terms|; atol 1e-5·K bounds it with a wide margin for
// K ≤ 300, and any indexing bug gives errors of order 1.
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
  it('picks a split only for long K with few output tiles', () => {
    expect(splitKFactor({ M: 128, N: 512, K: 4096 })).toBe(16);
    expect(splitKFactor({ M: 4466, N: 512, K: 4096 })).toBe(1);
    expect(splitKFactor({ M: 128, N: 512, K: 100 })).toBe(1);
  });

  for (const [M, N, K, S, tA, tB] of [
    [37, 70, 100, 3, true, false],
    [65, 9, 300, 7, true, false],
    [16, 16, 33, 2, true, false],
    [70, 20, 129, 2, false, true],
    [33, 40, 77, 4, false, false],
  ] as [number, number, number, number, boolean, boolean][]) {
    const op = `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'}`;
    it(`${op} ${M}×${N}×${K} in ${S} slices, accumulating with alpha into a strided C`, async () => {
      const rt = await testRuntime();
      const shape = {
        M,
        N,
        K,
        transA: tA,
        transB: tB,
        accumulate: true,
        alpha: 0.5,
        ldc: N + 3,
        offC: 2,
        splitK: S,
      };
      const a = randomArray(M * K, 1);
      const b = randomArray(K * N, 2);
      const c0 = randomArray(M * (N + 3) + 2, 3);
      const A = rt.bufferFrom('A', a);
      const B = rt.bufferFrom('B', b);
      const C = rt.bufferFrom('C', c0);
      const scratch = rt.buffer('scratch', splitKScratchFloats(shape) * 4);
      const launches = await matmulSplitK(rt, A, B, C, scratch, shape);
      expect(launches).toHaveLength(2);
      rt.run(launches);
      const got = await rt.readF32(C);
      const want = Float64Array.from(c0);
      matmulReference(a, b, want, shape);
      expect(compare(got, want, tol(K))).toBeNull();
      for (const buf of [A, B, C, scratch]) rt.destroy(buf);
    });
  }
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
