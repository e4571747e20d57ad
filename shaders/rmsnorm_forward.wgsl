// RMSNorm forward: y = x · rstd ⊙ w with rstd = 1/sqrt(mean(x²) + eps), several rows per
// workgroup. rstd is written per row so the backward need not recompute the row reduction.
// A row belongs to T neighbouring threads, each holding NV vec4s of it in registers (thread t has
// the vec4 columns t, t + T, …: each load instruction reads consecutive memory), so x is read
// once and the rows' sums take a single barrier: each thread posts its part, then sums its row's
// parts in a fixed order (every thread of a row gets the same rstd, run after run).

override D: u32;
// Threads per row (a power of two dividing WG) and vec4s per thread (NV · T ≥ D / 4, NV ≤ MAXV).
override T: u32;
override NV: u32;

const WG = 256u;
const MAXV = 8u; // the largest NV: the register arrays need a constant size

struct Params {
  rows: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let V4 = D / 4u;
  let t = lid % T;
  let row = (wg.y * nwg.x + wg.x) * (WG / T) + lid / T;
  // Threads past the last row still reach the barrier (no early return before it).
  let live = row < p.rows;
  let base = row * V4;
  var xv: array<vec4<f32>, MAXV>;
  var wv: array<vec4<f32>, MAXV>;
  var s = 0.0;
  for (var k = 0u; k < NV; k++) {
    let j = t + k * T;
    if (live && j < V4) {
      xv[k] = x[base + j];
      wv[k] = w[j];
      s += dot(xv[k], xv[k]);
    }
  }
  red[lid] = s;
  workgroupBarrier();
  let first = lid - t;
  var ss = 0.0;
  for (var i = 0u; i < T; i++) { ss += red[first + i]; }
  let r = inverseSqrt(ss / f32(D) + p.eps);
  if (!live) { return; }
  if (t == 0u) { rstd[row] = r; }
  for (var k = 0u; k < NV; k++) {
    let j = t + k * T;
    if (j < V4) { y[base + j] = xv[k] * r * wv[k]; }
  }
}
