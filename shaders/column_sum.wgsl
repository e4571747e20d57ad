// Second pass of the reductions over rows: out[c] += Σ_g partial[g, c], where each row g of
// `partial` holds one workgroup's sum over a block of rows. Deterministic without float atomics
// (WGSL has none): the summation order is fixed by the indices alone. A workgroup covers COLS
// neighbouring columns with SLICES threads each (thread lid: column lid % COLS, slice lid / COLS).
// Slice s reads blocks s + u·SLICES (u < UNROLL) in one step, then moves on by UNROLL·SLICES, so
// each thread issues UNROLL independent loads at once rather than one serial chain of dependent
// loads; its UNROLL sums are added in a fixed tree, then the slices in another. COLS is narrow (32
// bytes of a row) so that a few hundred columns still make enough workgroups to occupy a
// large GPU.

const COLS = 8u; // the launch's workgroup count is ceil(cols / COLS)
const SLICES = 32u; // COLS · SLICES = the workgroup size
const UNROLL = 8u; // the loads of one step in `main`

struct Params {
  groups: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> red: array<f32, 256>;

// partial[g, c], or 0 past the last block; the row is clamped so that the load is unconditional
// and stays in bounds.
fn block(g: u32, c: u32) -> f32 {
  let v = partial[min(g, p.groups - 1u) * p.cols + c];
  return select(0.0, v, g < p.groups);
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let c = (wg.y * nwg.x + wg.x) * COLS + lid % COLS;
  let slice = lid / COLS;
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
  if (c < p.cols) {
    for (var g = slice; g < p.groups; g += UNROLL * SLICES) {
      lo += vec4<f32>(
        block(g, c),
        block(g + SLICES, c),
        block(g + 2u * SLICES, c),
        block(g + 3u * SLICES, c),
      );
      hi += vec4<f32>(
        block(g + 4u * SLICES, c),
        block(g + 5u * SLICES, c),
        block(g + 6u * SLICES, c),
        block(g + 7u * SLICES, c),
      );
    }
  }
  let s = lo + hi;
  red[lid] = (s.x + s.y) + (s.z + s.w);
  workgroupBarrier();
  for (var st = SLICES / 2u; st > 0u; st >>= 1u) {
    if (slice < st) { red[lid] += red[lid + st * COLS]; }
    workgroupBarrier();
  }
  if (slice == 0u && c < p.cols) { out[c] += red[lid]; }
}
