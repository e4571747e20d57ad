// Second pass of the reductions over rows: out[c] += Σ_g partial[g, c], where each row g of
// `partial` holds one workgroup's sum over a block of rows. Deterministic without float atomics
// (WGSL has none): each column's blocks are cut into SLICES fixed strided sets, each summed in
// order by one thread, then the slices added in a fixed tree. A workgroup covers COLS neighbouring
// columns, so each load instruction reads COLS consecutive floats; the slices keep the serial
// chain per thread short (a single thread per column walked 128 blocks in turn: ~80 µs on an
// H200 for 512 columns, where the data takes a microsecond).

const COLS = 32u;
const SLICES = 8u; // COLS · SLICES = the workgroup size

struct Params {
  groups: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let c = (wg.y * nwg.x + wg.x) * COLS + lid % COLS;
  let slice = lid / COLS;
  var acc = 0.0;
  if (c < p.cols) {
    for (var g = slice; g < p.groups; g += SLICES) {
      acc += partial[g * p.cols + c];
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = SLICES / 2u; s > 0u; s >>= 1u) {
    if (slice < s) { red[lid] += red[lid + s * COLS]; }
    workgroupBarrier();
  }
  if (slice == 0u && c < p.cols) { out[c] += red[lid]; }
}
