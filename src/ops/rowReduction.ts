// The second pass of every gradient reduced over rows (out += Σ_g partial[g, :]), which the
// rmsnorm, conv1d and softplus backwards share. WGSL has no float atomics: a backward writes one
// partial sum per block of rows, and column_sum adds the blocks in a fixed order, so gradients are
// deterministic. (The residual stream's add, x + o1·Wᵀ, is out_proj.up's matmul epilogue.)
import { type Binding, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';

/**
 * Rows per block of the first pass. 32 keeps the i3-22m batch (4,096 rows) at 128 blocks: enough
 * workgroups to fill a GPU, and few partial rows for column_sum to add.
 */
export const ROWS_PER_GROUP = 32;

/** Floats of the partial sums of `rows` rows of `cols` in blocks of rowsPerGroup. */
export const rowPartialFloats = (rows: number, cols: number, rowsPerGroup: number) =>
  Math.ceil(rows / rowsPerGroup) * cols;

/** The scratch and second pass of one reduction over rows into `out` (cols floats). */
export interface RowReduction {
  /** groups × cols floats, written by the first pass: its own buffer, or a view of `scratch`. */
  partial: Binding;
  groups: number;
  rowsPerGroup: number;
  /** out += Σ_g partial[g, :]. */
  finish: Launch;
}

/**
 * The column_sum launch, and the partial sums: in `scratch` from float `at` (a multiple of
 * BINDING_ALIGN_FLOATS) where given, else allocated here, once, when the launches are built. The
 * model passes every backward one scratch: they run one after another, each summing its partials
 * before the next writes, so one set serves them all (at i3-22m, B 16, 1.3 MiB against 91 MiB when
 * each launch had its own).
 */
export async function rowReduction(
  rt: GpuRuntime,
  label: string,
  out: Binding,
  rows: number,
  cols: number,
  rowsPerGroup = ROWS_PER_GROUP,
  scratch?: GPUBuffer,
  at = 0,
): Promise<RowReduction> {
  const groups = Math.ceil(rows / rowsPerGroup);
  // The first passes put the blocks on the y axis of the grid.
  if (groups > 65535)
    throw new RangeError(`${rows} rows make ${groups} blocks; raise rowsPerGroup`);
  const bytes = rowPartialFloats(rows, cols, rowsPerGroup) * 4;
  let partial: Binding;
  if (scratch) {
    if (at * 4 + bytes > scratch.size) {
      throw new RangeError(`${label}: ${bytes} bytes of partial sums do not fit its scratch`);
    }
    partial = { buffer: scratch, offset: at * 4, size: bytes };
  } else {
    partial = rt.buffer(`${label}.partial`, bytes);
  }
  const finish = await rt.launch({
    shader: 'column_sum',
    label: `${label}.column_sum`,
    params: [u32(groups), u32(cols)],
    buffers: [partial, out],
    workgroups: grid1d(Math.ceil(cols / 8)), // COLS of column_sum.wgsl
  });
  return { partial, groups, rowsPerGroup, finish };
}
