// RMSNorm backward, one workgroup per block of rows:
//   dx (+)= rstd·w⊙dy − rstd³/D · x · Σ_j w_j dy_j x_j     (added with ACCUMULATE: a block adds its
//                                                             norm's gradient to the residual's)
//   partial[g, c] = Σ_{rows of block g} dy·x·rstd           (dw's first pass; column_sum adds the
//                                                             blocks into dw, without atomics)
// The workgroup takes ROWS rows at once, in PASSES passes over its block. As in the forward, a
// row belongs to T neighbouring threads holding NV vec4s each in registers (thread t: vec4
// columns t, t + T, …), and its sum takes one barrier: each thread posts its part, then sums its
// row's parts in a fixed order. A thread's dw terms stay in registers across passes; in the last
// pass the threads of rows 1.. post them to `stage` before that same barrier, and row 0's
// threads add them to their own in row order and write the block's partial sum. So a block of
// one pass costs one barrier, and its result does not depend on timing.

override D: u32;
// Threads per row (a power of two) and vec4s per thread (NV · T ≥ D / 4, NV ≤ MAXV).
override T: u32;
override NV: u32;
override ROWS: u32;
override PASSES: u32;
override WG: u32; // T · ROWS
override STAGE: u32; // (ROWS − 1) · D / 4 vec4s, at least 1
override ACCUMULATE: bool = false;

const MAXV = 8u; // the largest NV: the register arrays need a constant size

struct Params {
  rows: u32,
  rowsPerGroup: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> partial: array<vec4<f32>>;

var<workgroup> red: array<f32, WG>;
var<workgroup> stage: array<vec4<f32>, STAGE>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let V4 = D / 4u;
  let g = wg.y * nwg.x + wg.x;
  let t = lid % T;
  let ri = lid / T;
  var wv: array<vec4<f32>, MAXV>;
  for (var k = 0u; k < NV; k++) {
    let j = t + k * T;
    if (j < V4) { wv[k] = w[j]; }
  }
  var dw: array<vec4<f32>, MAXV>;
  // Loop bounds and barrier conditions are overrides: uniform, as barriers require. Threads
  // without a row (past the block or the last row) keep zeros and still reach every barrier.
  for (var n = 0u; n < PASSES; n++) {
    let i = n * ROWS + ri;
    let row = g * p.rowsPerGroup + i;
    let live = i < p.rowsPerGroup && row < p.rows;
    let base = row * V4;
    var xv: array<vec4<f32>, MAXV>;
    var gv: array<vec4<f32>, MAXV>;
    var dv: array<vec4<f32>, MAXV>;
    var r = 0.0;
    var s = 0.0;
    if (live) {
      r = rstd[row];
      for (var k = 0u; k < NV; k++) {
        let j = t + k * T;
        if (j < V4) {
          xv[k] = x[base + j];
          gv[k] = dy[base + j];
          if (ACCUMULATE) { dv[k] = dx[base + j]; }
          s += dot(wv[k] * gv[k], xv[k]);
          dw[k] = fma(gv[k] * xv[k], vec4(r), dw[k]);
        }
      }
    }
    red[lid] = s;
    if (n + 1u == PASSES && ri > 0u) {
      for (var k = 0u; k < NV; k++) {
        let j = t + k * T;
        if (j < V4) { stage[(ri - 1u) * V4 + j] = dw[k]; }
      }
    }
    workgroupBarrier();
    let first = lid - t;
    var sum = 0.0;
    for (var q = 0u; q < T; q++) { sum += red[first + q]; }
    if (live) {
      let coef = r * r * r * sum / f32(D);
      for (var k = 0u; k < NV; k++) {
        let j = t + k * T;
        if (j < V4) {
          var v = r * wv[k] * gv[k] - coef * xv[k];
          if (ACCUMULATE) { v += dv[k]; }
          dx[base + j] = v;
        }
      }
    }
    // The next pass overwrites red only after every thread has read this one's.
    if (n + 1u < PASSES) { workgroupBarrier(); }
  }
  if (ri == 0u) {
    for (var k = 0u; k < NV; k++) {
      let j = t + k * T;
      if (j < V4) {
        var acc = dw[k];
        for (var q = 0u; q + 1u < ROWS; q++) { acc += stage[q * V4 + j]; }
        partial[g * V4 + j] = acc;
      }
    }
  }
}
