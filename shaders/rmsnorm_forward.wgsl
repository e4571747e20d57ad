// RMSNorm forward: y = x · rstd ⊙ w with rstd = 1/sqrt(mean(x²) + eps), one workgroup per row.
// rstd is written per row so the backward need not recompute the row reduction.

struct Params {
  rows: u32,
  D: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

// Threads per workgroup: the launch picks the power of two nearest D (32..128), so narrow rows
// do not leave most threads idle.
override WG: u32 = 128u;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= p.rows) { return; }
  let base = row * p.D;
  var s = 0.0;
  for (var c = lid; c < p.D; c += WG) {
    let v = x[base + c];
    s = fma(v, v, s);
  }
  // Tree reduction: a fixed order, so the same input always gives the same rstd.
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let r = inverseSqrt(red[0] / f32(p.D) + p.eps);
  if (lid == 0u) { rstd[row] = r; }
  for (var c = lid; c < p.D; c += WG) {
    y[base + c] = x[base + c] * r * w[c];
  }
}
