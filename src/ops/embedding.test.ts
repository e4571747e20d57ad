import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { Rng, randomArray } from '../util/random';
import { compare, finiteDifference } from './check';
import {
  buildTokenIndex,
  type EmbeddingShape,
  embeddingBackward,
  embeddingBackwardReference,
  embeddingForward,
  embeddingForwardReference,
} from './embedding';

// The forward copies floats: exact.
const exact = { atol: 0, rtol: 0 };
// dE sums at most `rows` fp32 terms of magnitude ≤ 1 (GPU fp32 vs reference fp64): rounding
// ≤ rows·2⁻²⁴ ≈ 3e-6 for 37 rows; an indexing bug errs by O(1).
const gradTol = { atol: 1e-5, rtol: 1e-5 };
// Central differences of a function linear in E are exact up to fp64 rounding (~1e-10).
const fdTol = { atol: 1e-7, rtol: 1e-7 };

function randomIds(rows: number, V: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  return Uint32Array.from({ length: rows }, () => rng.int(V));
}

const shapes: EmbeddingShape[] = [
  { rows: 32, D: 16, V: 64 }, // i3-test
  { rows: 37, D: 13, V: 67 },
  { rows: 37, D: 29, V: 5 }, // few tokens: every row of dE sums several rows
];

describe('buildTokenIndex', () => {
  it('groups rows by token, ascending within each token', () => {
    const ids = Uint32Array.from([3, 0, 3, 2, 3, 0]);
    const { offsets, positions } = buildTokenIndex(ids, 5);
    expect([...offsets]).toEqual([0, 2, 2, 3, 6, 6]);
    expect([...positions]).toEqual([1, 5, 3, 0, 2, 4]);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => buildTokenIndex(Uint32Array.from([1, 4]), 4)).toThrow(RangeError);
  });
});

describe('embedding', () => {
  for (const shape of shapes) {
    const { rows, D, V } = shape;
    it(`forward ${rows}×${D}, V ${V}`, async () => {
      const rt = await testRuntime();
      const ids = randomIds(rows, V, rows + V);
      const e = randomArray(V * D, 1);
      const idsBuf = rt.bufferFrom('ids', ids);
      const E = rt.bufferFrom('E', e);
      const x = rt.buffer('x', rows * D * 4);
      rt.run([await embeddingForward(rt, idsBuf, E, x, shape)]);
      const got = await rt.readF32(x);
      expect(compare(got, embeddingForwardReference(ids, e, shape), exact)).toBeNull();
      for (const b of [idsBuf, E, x]) rt.destroy(b);
    });

    it(`backward accumulates into dE ${rows}×${D}, V ${V}`, async () => {
      const rt = await testRuntime();
      const ids = randomIds(rows, V, rows + V);
      const dx = randomArray(rows * D, 2);
      const dE0 = randomArray(V * D, 3);
      const index = buildTokenIndex(ids, V);
      const offsets = rt.bufferFrom('offsets', index.offsets);
      const positions = rt.bufferFrom('positions', index.positions);
      const dxBuf = rt.bufferFrom('dx', dx);
      const dE = rt.bufferFrom('dE', dE0);
      rt.run([await embeddingBackward(rt, offsets, positions, dxBuf, dE, shape)]);
      const got = await rt.readF32(dE);

      const grad = embeddingBackwardReference(ids, dx, shape);
      // L = Σ dx ⊙ x(E): its gradient in E is the backward of upstream gradient dx.
      const e64 = Float64Array.from(randomArray(V * D, 1));
      const fd = finiteDifference(
        () => embeddingForwardReference(ids, e64, shape).reduce((s, v, i) => s + v * dx[i], 0),
        e64,
      );
      expect(compare(grad, fd, fdTol)).toBeNull();
      expect(
        compare(
          got,
          grad.map((g, i) => g + dE0[i]),
          gradTol,
        ),
      ).toBeNull();
      // Tokens absent from the batch keep their rows bit for bit.
      const seen = new Set(ids);
      for (let v = 0; v < V; v++) {
        if (seen.has(v)) continue;
        for (let c = 0; c < D; c++) expect(got[v * D + c]).toBe(dE0[v * D + c]);
      }
      for (const b of [offsets, positions, dxBuf, dE]) rt.destroy(b);
    });
  }
});
