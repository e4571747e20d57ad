// RMSNorm backward, one workgroup per block of rows:
//   dx (+)= rstd·w⊙dy − rstd³/D · x · Σ_j w_j dy_j x_j     (added with ACCUMULATE: a block adds its
//                                                             norm's gradient to the residual's)
//   partial[g, c] = Σ_{rows of block g} dy·x·rstd           (dw's first pass; column_sum adds the
//                                                             blocks into dw, without atomics)
// Each thread owns the columns c ≡ lid (mod WG) of every row, so its dw sums live in workgroup
// memory without races; D is an override so that array fits the width exactly.

override D: u32;
override ACCUMULATE: bool = false;

struct Params {
  rows: u32,
  rowsPerGroup: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;

// Threads per workgroup: the launch picks the power of two nearest D (32..128), so narrow rows
// do not leave most threads idle.
override WG: u32 = 128u;
var<workgroup> red: array<f32, WG>;
var<workgroup> dw: array<f32, D>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let g = wg.y * nwg.x + wg.x;
  let r0 = g * p.rowsPerGroup;
  if (r0 >= p.rows) { return; }
  let r1 = min(r0 + p.rowsPerGroup, p.rows);
  for (var c = lid; c < D; c += WG) { dw[c] = 0.0; }
  for (var row = r0; row < r1; row++) {
    let base = row * D;
    var s = 0.0;
    for (var c = lid; c < D; c += WG) {
      s = fma(w[c] * dy[base + c], x[base + c], s);
    }
    red[lid] = s;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
      if (lid < k) { red[lid] += red[lid + k]; }
      workgroupBarrier();
    }
    let r = rstd[row];
    let coef = r * r * r * red[0] / f32(D);
    for (var c = lid; c < D; c += WG) {
      let xv = x[base + c];
      let gy = dy[base + c];
      var v = r * w[c] * gy - coef * xv;
      if (ACCUMULATE) { v += dx[base + c]; }
      dx[base + c] = v;
      dw[c] = fma(gy * xv, r, dw[c]);
    }
    // Every thread has read red[0] before the next row overwrites it.
    workgroupBarrier();
  }
  for (var c = lid; c < D; c += WG) { partial[g * D + c] = dw[c]; }
}
