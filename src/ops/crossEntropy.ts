// Cross-entropy fused with the softmax over the vocabulary, the loss of the model:
// loss_i = logsumexp(logits_i) − logits_i[target_i], averaged over the rows whose target is not
// `ignoreIndex` (the pad id). Three kernels, in order:
//   forward   one workgroup per row: per-row loss and logsumexp into `perRow` (2·rows floats)
//   reduce    one workgroup: stats = [sum, count, mean] on the GPU (read back asynchronously)
//   backward  one workgroup per row, IN PLACE: the logits become dlogits =
//             (softmax − onehot)·scale/count, zero for ignored rows
// Evaluation runs forward + reduce only (crossEntropyLoss); training adds crossEntropyBackward.
// An all-ignored batch gives count 0, mean 0 and zero dlogits (no NaN).
import { type Binding, f32, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';

export interface CrossEntropyShape {
  rows: number;
  V: number;
  /** Targets equal to this id (the pad id, a real vocabulary id) are not counted. */
  ignoreIndex: number;
}

/** Floats of the per-row scratch: the losses, then the logsumexps. */
export const perRowFloats = (rows: number): number => 2 * rows;
/** Floats of the loss statistics: [sum, count, mean]. */
export const LOSS_STATS_FLOATS = 3;

/**
 * Forward and mean: [forward, reduce]. With `accumulate`, sum and count add to `stats` (validation
 * over several batches; clear it first) and the mean is over all of them; a backward must not
 * then read these stats, since its count would be the running one.
 */
export async function crossEntropyLoss(
  rt: GpuRuntime,
  logits: Binding,
  targets: Binding,
  perRow: Binding,
  stats: Binding,
  shape: CrossEntropyShape,
  options: { accumulate?: boolean } = {},
): Promise<Launch[]> {
  const { rows, V, ignoreIndex } = shape;
  return Promise.all([
    rt.launch({
      shader: 'cross_entropy_forward',
      label: 'cross_entropy_forward',
      params: [u32(rows), u32(V), u32(ignoreIndex)],
      buffers: [logits, targets, perRow],
      workgroups: grid1d(rows),
    }),
    rt.launch({
      shader: 'loss_reduce',
      label: 'loss_reduce',
      constants: { ACCUMULATE: options.accumulate ?? false },
      params: [u32(rows), u32(ignoreIndex)],
      buffers: [perRow, targets, stats],
      workgroups: [1],
    }),
  ]);
}

/**
 * Overwrites `logits` with dlogits; runs after crossEntropyLoss (without accumulate) on the same
 * perRow and stats. scale = 1/accumSteps under gradient accumulation.
 */
export function crossEntropyBackward(
  rt: GpuRuntime,
  logits: Binding,
  targets: Binding,
  perRow: Binding,
  stats: Binding,
  shape: CrossEntropyShape,
  scale = 1,
): Promise<Launch> {
  return rt.launch({
    shader: 'cross_entropy_backward',
    label: 'cross_entropy_backward',
    params: [u32(shape.rows), u32(shape.V), u32(shape.ignoreIndex), f32(scale)],
    buffers: [logits, targets, perRow, stats],
    workgroups: grid1d(shape.rows),
  });
}

export interface CrossEntropyReference {
  rowLoss: Float64Array;
  sum: number;
  count: number;
  mean: number;
}

function logSumExp(x: ArrayLike<number>, base: number, V: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < V; j++) m = Math.max(m, x[base + j]);
  let s = 0;
  for (let j = 0; j < V; j++) s += Math.exp(x[base + j] - m);
  return m + Math.log(s);
}

/** CPU reference of the loss, in float64. */
export function crossEntropyReference(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  shape: CrossEntropyShape,
): CrossEntropyReference {
  const { rows, V, ignoreIndex } = shape;
  const rowLoss = new Float64Array(rows);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (targets[r] === ignoreIndex) continue;
    rowLoss[r] = logSumExp(logits, r * V, V) - logits[r * V + targets[r]];
    sum += rowLoss[r];
    count++;
  }
  return { rowLoss, sum, count, mean: count > 0 ? sum / count : 0 };
}

/** CPU reference of dlogits = d(scale · mean loss)/dlogits, in float64. */
export function crossEntropyBackwardReference(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  shape: CrossEntropyShape,
  scale = 1,
): Float64Array {
  const { rows, V, ignoreIndex } = shape;
  const d = new Float64Array(rows * V);
  const { count } = crossEntropyReference(logits, targets, shape);
  for (let r = 0; r < rows; r++) {
    if (targets[r] === ignoreIndex) continue;
    const lse = logSumExp(logits, r * V, V);
    for (let j = 0; j < V; j++) {
      const prob = Math.exp(logits[r * V + j] - lse);
      d[r * V + j] = (scale / count) * (prob - (j === targets[r] ? 1 : 0));
    }
  }
  return d;
}
