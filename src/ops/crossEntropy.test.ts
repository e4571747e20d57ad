import { describe, expect, it } from 'vitest';
import type { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { Rng, randomArray } from '../util/random';
import { compare, finiteDifference } from './check';
import {
  type CrossEntropyShape,
  crossEntropyBackward,
  crossEntropyBackwardReference,
  crossEntropyLoss,
  crossEntropyReference,
  LOSS_STATS_FLOATS,
  perRowFloats,
} from './crossEntropy';

const PAD = 0;

/** Targets in [1, V), with the listed rows set to the pad id. */
function makeTargets(rows: number, V: number, ignored: number[], seed: number): Uint32Array {
  const rng = new Rng(seed);
  const t = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) t[r] = 1 + rng.int(V - 1);
  for (const r of ignored) t[r] = PAD;
  return t;
}

async function runCase(
  rt: GpuRuntime,
  logits: Float32Array,
  targets: Uint32Array,
  shape: CrossEntropyShape,
  scale = 1,
) {
  const L = rt.bufferFrom('logits', logits);
  const T = rt.bufferFrom('targets', targets);
  const perRow = rt.buffer('perRow', perRowFloats(shape.rows) * 4);
  const stats = rt.buffer('stats', LOSS_STATS_FLOATS * 4);
  const loss = await crossEntropyLoss(rt, L, T, perRow, stats, shape);
  rt.run([...loss, await crossEntropyBackward(rt, L, T, perRow, stats, shape, scale)]);
  const rowLoss = await rt.readF32(perRow, shape.rows);
  const s = await rt.readF32(stats, LOSS_STATS_FLOATS);
  const dlogits = await rt.readF32(L);
  for (const b of [L, T, perRow, stats]) rt.destroy(b);
  return { rowLoss, sum: s[0], count: s[1], mean: s[2], dlogits };
}

// Per-row loss: lse − logit[target] in fp32, both up to ≈ 110 (the row shifted by +100; logit
// scale 30): ulp(110) ≈ 8e-6, plus a few ulp from exp/log (SwiftShader's exp is within 3+2|x| ulp):
// atol 2e-5 (measured ≤ 4e-6). An indexing or ignore bug is of order 1.
const lossTol = { atol: 2e-5, rtol: 1e-5 };
// dlogits = k·(p − onehot) with k = scale/count: p = exp(x − lse) carries the absolute error of
// x − lse as a relative error (≤ 1e-5 by the above), so |error| ≤ 1e-5·k (measured ≤ 8e-7·k).
const gradTol = (k: number) => ({ atol: 1e-5 * k, rtol: 0 });
// The sum of up to 37 fp32 losses of ≈ 30 (≈ 1000 in all) in a tree: a few ulp(1000) ≈ 6e-5.
const sumTol = { atol: 2e-4, rtol: 1e-6 };

const cases: { rows: number; V: number; logitScale: number; ignored: number[]; scale: number }[] = [
  { rows: 32, V: 64, logitScale: 3, ignored: [0, 5, 31], scale: 1 },
  { rows: 37, V: 4466, logitScale: 3, ignored: [2, 36], scale: 1 },
  // Large logits check the online max (exp of unshifted logits would overflow).
  { rows: 37, V: 67, logitScale: 30, ignored: [1, 2, 3, 20], scale: 0.25 },
];

describe('cross-entropy', () => {
  for (const c of cases) {
    it(`loss, mean over counted rows and dlogits: rows ${c.rows}, V ${c.V}`, async () => {
      const rt = await testRuntime();
      const shape = { rows: c.rows, V: c.V, ignoreIndex: PAD };
      const logits = randomArray(c.rows * c.V, c.V + c.rows, c.logitScale);
      // One row far from zero: only a max-shifted logsumexp stays finite.
      for (let j = 0; j < c.V; j++) logits[4 * c.V + j] += 100;
      const targets = makeTargets(c.rows, c.V, c.ignored, c.V);
      const got = await runCase(rt, logits, targets, shape, c.scale);
      const want = crossEntropyReference(logits, targets, shape);

      expect(want.count).toBe(c.rows - c.ignored.length);
      expect(got.count).toBe(want.count);
      expect(compare(got.rowLoss, want.rowLoss, lossTol)).toBeNull();
      expect(compare([got.sum, got.mean], [want.sum, want.mean], sumTol)).toBeNull();
      for (const r of c.ignored) expect(got.rowLoss[r]).toBe(0);

      const dWant = crossEntropyBackwardReference(logits, targets, shape, c.scale);
      expect(compare(got.dlogits, dWant, gradTol(c.scale / want.count))).toBeNull();
      for (const r of c.ignored) {
        expect(got.dlogits.subarray(r * c.V, (r + 1) * c.V).every((x) => x === 0)).toBe(true);
      }
    });
  }

  it('dlogits match central differences of the CPU mean loss', async () => {
    const rt = await testRuntime();
    const shape = { rows: 6, V: 67, ignoreIndex: PAD };
    const scale = 0.5;
    const logits = randomArray(shape.rows * shape.V, 11, 4);
    const targets = makeTargets(shape.rows, shape.V, [3], 12);
    const got = await runCase(rt, logits, targets, shape, scale);
    const x = Float64Array.from(logits);
    // h = 1e-4 in float64: truncation O(h²·|f'''|) ≈ 1e-9, rounding ≈ 1e-16/h ≈ 1e-12.
    const fd = finiteDifference(
      () => scale * crossEntropyReference(x, targets, shape).mean,
      x,
      1e-4,
    );
    // The GPU's fp32 error (see gradTol) is ≤ 1e-5·k = 1e-6 here; FD error is far below it.
    expect(compare(got.dlogits, fd, gradTol(scale / 5))).toBeNull();
  });

  it('an all-ignored batch gives count 0, loss 0 and zero dlogits, without NaN', async () => {
    const rt = await testRuntime();
    const shape = { rows: 5, V: 64, ignoreIndex: 7 };
    const logits = randomArray(shape.rows * shape.V, 3, 3);
    const got = await runCase(rt, logits, new Uint32Array(shape.rows).fill(7), shape);
    expect([got.sum, got.count, got.mean]).toEqual([0, 0, 0]);
    expect(got.dlogits.every((x) => x === 0)).toBe(true);
  });

  it('accumulates sum and count over evaluation batches', async () => {
    const rt = await testRuntime();
    const shape = { rows: 9, V: 64, ignoreIndex: PAD };
    const stats = rt.bufferFrom('stats', new Float32Array(LOSS_STATS_FLOATS));
    const perRow = rt.buffer('perRow', perRowFloats(shape.rows) * 4);
    let sum = 0;
    let count = 0;
    for (const seed of [1, 2]) {
      const logits = randomArray(shape.rows * shape.V, seed, 3);
      const targets = makeTargets(shape.rows, shape.V, seed === 1 ? [0] : [4, 8], seed);
      const L = rt.bufferFrom('logits', logits);
      const T = rt.bufferFrom('targets', targets);
      rt.run(await crossEntropyLoss(rt, L, T, perRow, stats, shape, { accumulate: true }));
      const want = crossEntropyReference(logits, targets, shape);
      sum += want.sum;
      count += want.count;
      // The logits are only read by the loss-only path.
      expect(await rt.readF32(L)).toEqual(logits);
    }
    const got = await rt.readF32(stats, LOSS_STATS_FLOATS);
    expect(got[1]).toBe(count);
    expect(compare([got[0], got[2]], [sum, sum / count], sumTol)).toBeNull();
  });
});
