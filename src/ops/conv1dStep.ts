// One decode step of the causal depthwise conv1d (see conv1d.ts for the full-sequence op): each
// sequence carries its last K-1 inputs in a conv state (B, K-1, D), oldest first, zeros before the
// start. The step computes the newest output (silu fused, as the SSM uses it), then shifts the
// state and appends the input. On the GPU the step is fused into the SSM's (ssmStep.ts,
// shaders/conv_silu_step.wgsl); here are its state layout and float64 reference. After a
// full-sequence prefill, the state is the last K-1 input rows of each sequence (conv1dStateTail
// says which), so the steps continue the full conv exactly.
import { silu } from './activations';
import type { Conv1dShape } from './conv1d';

export interface Conv1dStepShape {
  /** Sequences stepped together. */
  B: number;
  D: number;
  K: number;
}

/** Floats of the conv state (B, K-1, D). */
export function conv1dStateFloats(shape: Conv1dStepShape): number {
  return shape.B * (shape.K - 1) * shape.D;
}

/**
 * Which rows of a sequence of T inputs make the state after it: input rows `fromRow` ..
 * `fromRow + count` go to state slots `toSlot` .. `toSlot + count`; slots before `toSlot` are zero
 * (sequences shorter than K-1).
 */
export function conv1dStateTail(
  T: number,
  K: number,
): { fromRow: number; toSlot: number; count: number } {
  const count = Math.min(T, K - 1);
  return { fromRow: T - count, toSlot: K - 1 - count, count };
}

// ---- CPU references (float64) ----

/** The step's y = silu(conv) and the advanced state (a new array; `state` is left as it was). */
export function conv1dStepReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  state: ArrayLike<number>,
  shape: Conv1dStepShape,
): { y: Float64Array; state: Float64Array } {
  const { B, D, K } = shape;
  const y = new Float64Array(B * D);
  const next = new Float64Array(conv1dStateFloats(shape));
  for (let s = 0; s < B; s++) {
    for (let c = 0; c < D; c++) {
      const at = (k: number) => (s * (K - 1) + k) * D + c;
      let acc = b[c] + w[c * K + K - 1] * x[s * D + c];
      for (let k = 0; k < K - 1; k++) acc += w[c * K + k] * state[at(k)];
      y[s * D + c] = silu(acc);
      for (let k = 0; k + 1 < K - 1; k++) next[at(k)] = state[at(k + 1)];
      if (K > 1) next[at(K - 2)] = x[s * D + c];
    }
  }
  return { y, state: next };
}

/** The conv state (B, K-1, D) after the full sequences x (B·T, D): their last K-1 inputs. */
export function conv1dStateReference(x: ArrayLike<number>, shape: Conv1dShape): Float64Array {
  const { rows, D, T, K } = shape;
  const B = rows / T;
  const state = new Float64Array(conv1dStateFloats({ B, D, K }));
  const { fromRow, toSlot, count } = conv1dStateTail(T, K);
  for (let s = 0; s < B; s++) {
    for (let j = 0; j < count; j++) {
      for (let c = 0; c < D; c++) {
        state[(s * (K - 1) + toSlot + j) * D + c] = x[(s * T + fromRow + j) * D + c];
      }
    }
  }
  return state;
}
