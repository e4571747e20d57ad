// RMSNorm: y = x / sqrt(mean(x²) + eps) ⊙ w over the D features of each row. The forward also
// writes rstd (one float per row) for the backward. The backward overwrites dx (or adds into it:
// a block's residual gradient) and adds dw through a reduction over rows (per-block partial sums,
// then column_sum).
import { type Binding, f32, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';
import { rowPartialFloats, rowReduction } from './rowReduction';

export interface RmsNormShape {
  rows: number;
  /** Features per row: a multiple of 4 (the kernels move vec4s), at most MAX_D. */
  D: number;
  /** Default 1e-5 (the spec's norm_eps). */
  eps?: number;
  /** Rows per block of dw's first pass (default RMSNORM_ROWS_PER_GROUP). */
  rowsPerGroup?: number;
  /** The backward adds into dx instead of overwriting it. */
  accumulate?: boolean;
  /** The backward's partial sums of dw, rmsnormPartialFloats of them (default: its own buffer). */
  partials?: GPUBuffer;
}

const DEFAULT_EPS = 1e-5;

/**
 * Rows per block of the backward's partial dw sums. At D = 512 a row takes 32 threads (see
 * rowMapping), so a block of 8 fills a 256-thread workgroup in one pass; the i3-22m batch (4,096
 * rows) makes 512 such workgroups, and the partial sums are 1 MiB per norm.
 */
export const RMSNORM_ROWS_PER_GROUP = 8;

/** Threads per workgroup of the forward, and the most of the backward (WG of the shaders). */
const WORKGROUP = 256;
/** The most vec4s a thread holds per row (MAXV of the shaders: the register arrays' size). */
const MAX_VEC4S = 8;
/** Widest row the kernels take: WORKGROUP threads of MAX_VEC4S vec4s. */
const MAX_D = WORKGROUP * MAX_VEC4S * 4;
/** Workgroup memory every adapter grants (the WebGPU default limit). */
const WORKGROUP_BYTES = 16384;

/**
 * How a row is spread over threads: `threads` (a power of two) each holding `vec4s` vec4s of it
 * in registers. Four vec4s per thread keep enough loads in flight per thread while rows stay
 * narrow enough to share a workgroup (32 threads at D = 512); a narrow row takes few threads
 * rather than leaving most of them idle.
 */
function rowMapping(D: number): { threads: number; vec4s: number } {
  if (!Number.isInteger(D) || D <= 0 || D % 4 !== 0 || D > MAX_D)
    throw new RangeError(`rmsnorm: D (${D}) must be a positive multiple of 4, at most ${MAX_D}`);
  const perRow = D / 4;
  const threads = Math.min(WORKGROUP, 2 ** Math.ceil(Math.log2(Math.ceil(perRow / 4))));
  return { threads, vec4s: Math.ceil(perRow / threads) };
}

/** y (rows, D) and rstd (rows) from x (rows, D) and w (D). */
export function rmsnormForward(
  rt: GpuRuntime,
  x: Binding,
  w: Binding,
  y: Binding,
  rstd: Binding,
  shape: RmsNormShape,
): Promise<Launch> {
  const { rows, D } = shape;
  const { threads, vec4s } = rowMapping(D);
  return rt.launch({
    shader: 'rmsnorm_forward',
    label: 'rmsnorm_forward',
    constants: { D, T: threads, NV: vec4s },
    params: [u32(rows), f32(shape.eps ?? DEFAULT_EPS)],
    buffers: [x, w, y, rstd],
    workgroups: grid1d(Math.ceil(rows / (WORKGROUP / threads))),
  });
}

/**
 * dx = ∂L/∂x (overwritten, or added with shape.accumulate) and dw += ∂L/∂w, given the forward's
 * rstd: [fused dx + partial dw, column_sum]. The partial-sum scratch is allocated here, once.
 * A workgroup takes as many rows of its block at once as fit in WORKGROUP threads and in the
 * workgroup memory that stages all but one row's dw terms, and walks the block in passes of that
 * many rows.
 */
export async function rmsnormBackward(
  rt: GpuRuntime,
  x: Binding,
  w: Binding,
  rstd: Binding,
  dy: Binding,
  dx: Binding,
  dw: Binding,
  shape: RmsNormShape,
): Promise<Launch[]> {
  const { rows, D } = shape;
  const { threads, vec4s } = rowMapping(D);
  const rpg = shape.rowsPerGroup ?? RMSNORM_ROWS_PER_GROUP;
  const perRow = D / 4;
  // Workgroup memory: the row sums' parts (one float a thread), then (ROWS − 1) rows of vec4s.
  const stageRows = Math.floor((WORKGROUP_BYTES - 4 * WORKGROUP) / (16 * perRow));
  const atOnce = Math.min(rpg, WORKGROUP / threads, 1 + stageRows);
  const red = await rowReduction(rt, 'rmsnorm_backward', dw, rows, D, rpg, shape.partials);
  const main = await rt.launch({
    shader: 'rmsnorm_backward',
    label: 'rmsnorm_backward',
    constants: {
      D,
      T: threads,
      NV: vec4s,
      ROWS: atOnce,
      PASSES: Math.ceil(rpg / atOnce),
      WG: threads * atOnce,
      STAGE: Math.max(1, (atOnce - 1) * perRow),
      ACCUMULATE: shape.accumulate ?? false,
    },
    params: [u32(rows), u32(red.rowsPerGroup)],
    buffers: [x, w, rstd, dy, dx, red.partial],
    workgroups: grid1d(red.groups),
  });
  return [main, red.finish];
}

/** Floats of rmsnormBackward's partial sums of dw. */
export const rmsnormPartialFloats = (shape: RmsNormShape) =>
  rowPartialFloats(shape.rows, shape.D, shape.rowsPerGroup ?? RMSNORM_ROWS_PER_GROUP);

export function rmsnormForwardReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  shape: RmsNormShape,
): { y: Float64Array; rstd: Float64Array } {
  const { rows, D } = shape;
  const eps = shape.eps ?? DEFAULT_EPS;
  const y = new Float64Array(rows * D);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < D; c++) ss += x[r * D + c] ** 2;
    rstd[r] = 1 / Math.sqrt(ss / D + eps);
    for (let c = 0; c < D; c++) y[r * D + c] = x[r * D + c] * rstd[r] * w[c];
  }
  return { y, rstd };
}

/** Gradients of x and w alone (the kernel adds dw to what is there). */
export function rmsnormBackwardReference(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  shape: RmsNormShape,
): { dx: Float64Array; dw: Float64Array } {
  const { rows, D } = shape;
  const { rstd } = rmsnormForwardReference(x, w, shape);
  const dx = new Float64Array(rows * D);
  const dw = new Float64Array(D);
  for (let r = 0; r < rows; r++) {
    const rs = rstd[r];
    let s = 0;
    for (let c = 0; c < D; c++) s += w[c] * dy[r * D + c] * x[r * D + c];
    const coef = (rs ** 3 * s) / D;
    for (let c = 0; c < D; c++) {
      const i = r * D + c;
      dx[i] = rs * w[c] * dy[i] - coef * x[i];
      dw[c] += dy[i] * x[i] * rs;
    }
  }
  return { dx, dw };
}
