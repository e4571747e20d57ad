import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare } from './check';
import { type RmsnormMatvecShape, rmsnormMatvec, rmsnormMatvecReference } from './rmsnormMatvec';

// Outputs are dot products of K ≤ 512 terms, each |x̂·W| ≤ ~2: fp32 rounding grows like √K·2⁻²⁴
// per unit of |out| (≤ ~1e-6 here, 1e-5 leaves room for the order of the lane reduction); a
// wrong row, weight offset or norm errs by O(0.1).
const tol = { atol: 1e-5, rtol: 1e-5 };

// (M, N, K): one row at i3-22m's in_proj.down, awkward widths, the most rows.
const cases: [number, number, number][] = [
  [1, 128, 512],
  [3, 37, 45],
  [8, 130, 16],
];

describe('rmsnorm_matvec', () => {
  for (const [M, N, K] of cases) {
    it(`matches RMSNorm then x·Wᵀ (M ${M}, N ${N}, K ${K}), and stores into the ring`, async () => {
      const rt = await testRuntime();
      const slots = 5;
      // Parameters with W and w at offsets, as in the model's flat buffer.
      const shape: RmsnormMatvecShape = { M, N, K, offW: 7, offNorm: 7 + N * K + 3, eps: 1e-5 };
      const params = randomArray(shape.offNorm + K + 2, M + N + K);
      const x = randomArray(M * K, M * N * K, 3);
      const want = rmsnormMatvecReference(x, params, shape);
      const io = {
        x: rt.bufferFrom('x', x),
        params: rt.bufferFrom('params', params),
        out: rt.buffer('out', M * N * 4),
        ring: rt.buffer('ring', M * slots * N * 4),
        cursor: rt.bufferFrom('cursor', Uint32Array.of(3, 0, 0, 0)),
        halt: rt.buffer('halt', 4),
      };
      rt.run([await rmsnormMatvec(rt, io, shape)]);
      expect(compare(await rt.readF32(io.out), want, tol), 'plain').toBeNull();
      expect(
        (await rt.readF32(io.ring)).every((v) => v === 0),
        'plain: ring untouched',
      ).toBe(true);

      const ringed = await rmsnormMatvec(rt, io, { ...shape, ringStride: slots * N });
      rt.run([ringed]);
      const ring = await rt.readF32(io.ring);
      const out = await rt.readF32(io.out);
      expect(compare(out, want, tol), 'ring: out').toBeNull();
      for (let m = 0; m < M; m++) {
        for (let s = 0; s < slots; s++) {
          const row = ring.subarray((m * slots + s) * N, (m * slots + s + 1) * N);
          const expected = s === 3 ? out.subarray(m * N, (m + 1) * N) : new Float32Array(N);
          expect(Array.from(row), `row ${m}, slot ${s}`).toEqual(Array.from(expected));
        }
      }
      // Halted: the output is still computed, the ring left as it was.
      rt.write(io.halt, Uint32Array.of(1));
      rt.write(io.cursor, Uint32Array.of(1, 0, 0, 0));
      rt.write(io.out, new Float32Array(M * N));
      rt.run([ringed]);
      expect(compare(await rt.readF32(io.out), want, tol), 'halted: out').toBeNull();
      expect(Array.from(await rt.readF32(io.ring)), 'halted: ring').toEqual(Array.from(ring));
      for (const b of Object.values(io)) rt.destroy(b);
    });
  }
});
