// Causal depthwise conv1d with bias over the time axis of each sequence (the SSM's short conv):
// out_t[c] = b[c] + Σ_{k<K} w[c, k] · x_{t-K+1+k}[c], zeros before t = 0. Rows are b·T + t, so the
// kernels take T; w is PyTorch's (D, 1, K) layout, w[c·K + k]. The forward can fuse the silu that
// follows in the SSM. The backward overwrites dx and adds dw and db through reductions over rows.
import {
  alignToBinding,
  type Binding,
  type GpuRuntime,
  type Launch,
  u32,
  vec4Count,
} from '../gpu/runtime';
import { silu } from './activations';
import { ROWS_PER_GROUP, rowPartialFloats, rowReduction } from './rowReduction';

export interface Conv1dShape {
  /** B·T. */
  rows: number;
  /** A multiple of 4: the kernels move four channels as one vec4. */
  D: number;
  T: number;
  K: number;
  /** Rows per block of the dw/db first pass (default ROWS_PER_GROUP). */
  rowsPerGroup?: number;
  /**
   * The backward's partial sums of dw and db, conv1dBackwardPartialFloats of them (default: buffers
   * of its own).
   */
  partials?: GPUBuffer;
}

/** ROWS of conv1d_walk.wgsl: each thread of the forward and input gradient walks a block of rows. */
const BLOCK_ROWS = 16;

/** The grid of the forward and input-gradient kernels: a thread per four channels and block. */
function grid(shape: Conv1dShape): [number, number] {
  if (shape.rows % shape.T !== 0) {
    throw new RangeError(`conv1d: rows ${shape.rows} is not a multiple of T ${shape.T}`);
  }
  const D4 = vec4Count('conv1d', 'D', shape.D);
  const blocks = Math.ceil(shape.rows / BLOCK_ROWS);
  if (blocks > 65535) throw new RangeError(`conv1d: ${shape.rows} rows make ${blocks} blocks`);
  return [Math.ceil(D4 / 64), blocks];
}

/**
 * out = conv(x) (rows, D) and act = silu(out), the SSM's u: out keeps the pre-activation that
 * silu's backward needs.
 */
export async function conv1dForward(
  rt: GpuRuntime,
  x: Binding,
  w: Binding,
  b: Binding,
  out: Binding,
  act: Binding,
  shape: Conv1dShape,
): Promise<Launch> {
  const { rows, D, T, K } = shape;
  return rt.launch({
    shader: 'conv1d_forward',
    label: 'conv1d_silu_forward',
    params: [u32(rows), u32(D / 4), u32(T), u32(K)],
    buffers: [x, w, b, out, act],
    workgroups: grid(shape),
  });
}

/**
 * dx (overwritten), dw += and db += from dout: [dx, partial dw/db, column_sum dw, column_sum db].
 * The partial-sum scratch is allocated here, once.
 */
export async function conv1dBackward(
  rt: GpuRuntime,
  x: Binding,
  w: Binding,
  dout: Binding,
  dx: Binding,
  dw: Binding,
  db: Binding,
  shape: Conv1dShape,
): Promise<Launch[]> {
  const workgroups = grid(shape);
  const { rows, D, T, K } = shape;
  const rpg = shape.rowsPerGroup ?? ROWS_PER_GROUP;
  const { partials } = shape;
  const { dbAt } = partialLayout(shape);
  const redW = await rowReduction(rt, 'conv1d_backward.dw', dw, rows, D * K, rpg, partials);
  const redB = await rowReduction(rt, 'conv1d_backward.db', db, rows, D, rpg, partials, dbAt);
  const [input, partial] = await Promise.all([
    rt.launch({
      shader: 'conv1d_backward',
      label: 'conv1d_backward',
      params: [u32(rows), u32(D / 4), u32(T), u32(K)],
      buffers: [dout, w, dx],
      workgroups,
    }),
    rt.launch({
      shader: 'conv1d_backward_reduce',
      label: 'conv1d_backward_reduce',
      params: [u32(rows), u32(D), u32(T), u32(K), u32(rpg)],
      buffers: [x, dout, redW.partial, redB.partial],
      // One thread per channel and four taps (conv1d_backward_reduce.wgsl).
      workgroups: [Math.ceil((D * Math.ceil(K / 4)) / 64), redW.groups],
    }),
  ]);
  return [input, partial, redW.finish, redB.finish];
}

type PartialShape = Pick<Conv1dShape, 'rows' | 'D' | 'K' | 'rowsPerGroup'>;

/** The backward's partial sums: dw's from float 0, db's from dbAt (bindable), floats in all. */
function partialLayout(shape: PartialShape): { dbAt: number; floats: number } {
  const rpg = shape.rowsPerGroup ?? ROWS_PER_GROUP;
  const dbAt = alignToBinding(rowPartialFloats(shape.rows, shape.D * shape.K, rpg));
  return { dbAt, floats: dbAt + rowPartialFloats(shape.rows, shape.D, rpg) };
}

/** Floats of the backward's partial sums of dw and db (each at a bindable offset). */
export const conv1dBackwardPartialFloats = (shape: PartialShape) => partialLayout(shape).floats;

/** The input of tap k for output row `row`, or −1 before the start of the sequence. */
function tapRow(row: number, k: number, shape: Conv1dShape): number {
  const back = shape.K - 1 - k;
  return back <= row % shape.T ? row - back : -1;
}

/** conv(x), and silu(conv(x)) as `act` (the fused forward's second output). */
export function conv1dForwardReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: Conv1dShape,
): { out: Float64Array; act: Float64Array } {
  const { rows, D, K } = shape;
  const out = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < D; c++) {
      let acc = b[c];
      for (let k = 0; k < K; k++) {
        const s = tapRow(r, k, shape);
        if (s >= 0) acc += w[c * K + k] * x[s * D + c];
      }
      out[r * D + c] = acc;
    }
  }
  return { out, act: out.map(silu) };
}

/** Gradients of x, w and b alone (the kernels add dw and db to what is there). */
export function conv1dBackwardReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dout: ArrayLike<number>,
  shape: Conv1dShape,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { rows, D, K } = shape;
  const dx = new Float64Array(rows * D);
  const dw = new Float64Array(D * K);
  const db = new Float64Array(D);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < D; c++) {
      const g = dout[r * D + c];
      db[c] += g;
      for (let k = 0; k < K; k++) {
        const s = tapRow(r, k, shape);
        if (s < 0) continue;
        dw[c * K + k] += g * x[s * D + c];
        dx[s * D + c] += g * w[c * K + k];
      }
    }
  }
  return { dx, dw, db };
}
