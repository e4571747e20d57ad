// Token embedding: x = E[ids] forward; dE[v] += Σ_{rows with id v} dx[row] backward. The backward
// needs no atomics: per batch the host sorts the rows by token on the CPU (buildTokenIndex, a
// counting sort into a CSR index), writes the index to two u32 buffers, and the kernel lets one
// thread own each (v, c) of dE and sum its rows in order.
import { type Binding, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';

export interface EmbeddingShape {
  rows: number;
  D: number;
  V: number;
}

/** Rows grouped by token: rows of token v are positions[offsets[v] .. offsets[v+1]), ascending. */
export interface TokenIndex {
  offsets: Uint32Array; // V + 1
  positions: Uint32Array; // rows
}

/** Counting sort of the batch's rows by token id (stable, so each token's rows stay ascending). */
export function buildTokenIndex(ids: Uint32Array, V: number): TokenIndex {
  const offsets = new Uint32Array(V + 1);
  for (const id of ids) {
    if (id >= V) throw new RangeError(`token id ${id} is outside the vocabulary of ${V}`);
    offsets[id + 1]++;
  }
  for (let v = 0; v < V; v++) offsets[v + 1] += offsets[v];
  const next = offsets.slice(0, V);
  const positions = new Uint32Array(ids.length);
  ids.forEach((id, row) => {
    positions[next[id]++] = row;
  });
  return { offsets, positions };
}

/** x (rows, D) = E[ids]; ids is a u32 buffer of rows entries, E is (V, D). */
export function embeddingForward(
  rt: GpuRuntime,
  ids: Binding,
  E: Binding,
  x: Binding,
  shape: EmbeddingShape,
): Promise<Launch> {
  const n = shape.rows * shape.D;
  return rt.launch({
    shader: 'embedding_forward',
    label: 'embedding_forward',
    params: [u32(n), u32(shape.D)],
    buffers: [ids, E, x],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}

/**
 * dE (V, D) += scatter of dx (rows, D) through the batch's TokenIndex, held in `offsets` (V + 1
 * u32) and `positions` (rows u32); rewrite them with rt.write before each batch.
 */
export function embeddingBackward(
  rt: GpuRuntime,
  offsets: Binding,
  positions: Binding,
  dx: Binding,
  dE: Binding,
  shape: EmbeddingShape,
): Promise<Launch> {
  const n = shape.V * shape.D;
  return rt.launch({
    shader: 'embedding_backward',
    label: 'embedding_backward',
    params: [u32(n), u32(shape.D)],
    buffers: [offsets, positions, dx, dE],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}

export function embeddingForwardReference(
  ids: ArrayLike<number>,
  E: ArrayLike<number>,
  shape: EmbeddingShape,
): Float64Array {
  const { rows, D } = shape;
  const x = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < D; c++) x[r * D + c] = E[ids[r] * D + c];
  }
  return x;
}

/** The gradient of E (V, D) alone; the kernel adds it to dE. */
export function embeddingBackwardReference(
  ids: ArrayLike<number>,
  dx: ArrayLike<number>,
  shape: EmbeddingShape,
): Float64Array {
  const { rows, D, V } = shape;
  const dE = new Float64Array(V * D);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < D; c++) dE[ids[r] * D + c] += dx[r * D + c];
  }
  return dE;
}
