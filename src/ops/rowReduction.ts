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

/** The scratch and second pass of one reduction over rows into `out` (cols floats). */
export interface RowReduction {
  /** groups × cols floats, written by the first pass. */
  partial: GPUBuffer;
  groups: number;
  rowsPerGroup: number;
  /** out += Σ_g partial[g, :]. */
  finish: Launch;
}

/** Allocates the partial sums (once, when the launches are built) and the column_sum launch. */
export async function rowReduction(
  rt: GpuRuntime,
  label: string,
  out: Binding,
  rows: number,
  cols: number,
  rowsPerGroup = ROWS_PER_GROUP,
): Promise<RowReduction> {
  const groups = Math.ceil(rows / rowsPerGroup);
  // The first passes put the blocks on the y axis of the grid.
  if (groups > 65535)
    throw new RangeError(`${rows} rows make ${groups} blocks; raise rowsPerGroup`);
  const partial = rt.buffer(`${label}.partial`, groups * cols * 4);
  const finish = await rt.launch({
    shader: 'column_sum',
    label: `${label}.column_sum`,
    params: [u32(groups), u32(cols)],
    buffers: [partial, out],
    workgroups: grid1d(Math.ceil(cols / 8)), // COLS of column_sum.wgsl
  });
  return { partial, groups, rowsPerGroup, finish };
}
