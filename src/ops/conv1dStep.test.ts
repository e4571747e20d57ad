import { describe, expect, it } from 'vitest';
import { randomArray } from '../util/random';
import { compare } from './check';
import { conv1dForwardReference } from './conv1d';
import {
  type Conv1dStepShape,
  conv1dStateFloats,
  conv1dStateReference,
  conv1dStepReference,
} from './conv1dStep';

// Both float64 with the same products: only the summation order differs.
const exact = { atol: 1e-12, rtol: 1e-12 };

// (B, D, K, T steps, P prefilled rows): i3-test, awkward widths, a prefill shorter than K-1, K 1.
const cases: (Conv1dStepShape & { T: number; P: number })[] = [
  { B: 2, D: 16, K: 4, T: 7, P: 3 },
  { B: 2, D: 13, K: 3, T: 6, P: 4 },
  { B: 1, D: 37, K: 4, T: 5, P: 2 },
  { B: 3, D: 5, K: 1, T: 3, P: 1 },
];

/** Row t of every sequence of x (B·T, D), packed (B, D). */
function rowsAt(x: ArrayLike<number>, B: number, T: number, D: number, t: number): Float64Array {
  const out = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < D; c++) out[b * D + c] = x[(b * T + t) * D + c];
  }
  return out;
}

/** The first P steps of every sequence, as a (B·P, D) array. */
function prefix(x: ArrayLike<number>, B: number, T: number, D: number, P: number): Float32Array {
  const out = new Float32Array(B * P * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < P; t++)
      out.set(rowsAt(x, B, T, D, t).subarray(b * D, (b + 1) * D), (b * P + t) * D);
  }
  return out;
}

describe('conv1d decode step', () => {
  for (const { T, P, ...shape } of cases) {
    const { B, D, K } = shape;
    const name = `B ${B}, D ${D}, K ${K}, ${T} steps, prefill ${P}`;
    const x = randomArray(B * T * D, D + K);
    const w = randomArray(D * K, D + K + 1);
    const b = randomArray(D, D + K + 2);
    const full = conv1dForwardReference(x, w, b, { rows: B * T, D, T, K });

    it(`reference steps equal the full conv, from zero and after a prefill (${name})`, () => {
      for (const start of [0, P]) {
        let state: Float64Array =
          start === 0
            ? new Float64Array(conv1dStateFloats(shape))
            : conv1dStateReference(prefix(x, B, T, D, start), { rows: B * start, D, T: start, K });
        for (let t = start; t < T; t++) {
          const step = conv1dStepReference(rowsAt(x, B, T, D, t), w, b, state, shape);
          expect(compare(step.y, rowsAt(full.act, B, T, D, t), exact), `t ${t}`).toBeNull();
          state = step.state;
        }
        const want = conv1dStateReference(x, { rows: B * T, D, T, K });
        expect(compare(state, want, exact), 'final state').toBeNull();
      }
    });
  }
});
