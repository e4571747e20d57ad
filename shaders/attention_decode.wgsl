// Attention for one new token per sequence over the latent cache (generation). The cache holds c
// (R floats per token) instead of k and v; with q = Wq c, k_j = Wk c_j and v_j = Wv c_j the
// weights are absorbed: per head h, q_h = Wq_h c, q̃ = Wk_hᵀ q_h, p = softmax(c_j·q̃ · scale),
// out_h = Wv_h (Σ_j p_j c_j). The query's projection is fused in: it is DH·R multiply-adds per
// head, less than one pass over the cache.
// The cache of each sequence is a ring of TMAX slots: position j (0 ≤ j < len) is in slot
// (start + j) mod TMAX, with len = cursor[1] and start = cursor[2], written once per token for
// every block. One workgroup per (head, sequence).
// c and out are (Bq, R) and (Bq, H·DH); cache is (Bq, TMAX, R); Wq, Wk and Wv are (H·DH, R)
// row-major in the flat parameter buffer P at offWq, offWk and offWv.

override WG: u32 = 64u; // a power of two (tree reductions)
override DH: u32 = 32u;
override R: u32 = 128u;
override TMAX: u32 = 256u;

struct Params {
  H: u32,
  scale: f32,
  offWq: u32,
  offWk: u32,
  offWv: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read> cache: array<f32>;
@group(0) @binding(3) var<storage, read> P: array<f32>;
@group(0) @binding(4) var<storage, read> cursor: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

var<workgroup> qh: array<f32, DH>;
var<workgroup> qt: array<f32, R>; // q̃ · scale
var<workgroup> s: array<f32, TMAX>; // scores, then their exponentials
var<workgroup> red: array<f32, WG>;
var<workgroup> cbar: array<f32, R>;

fn slotRow(b: u32, j: u32, start: u32) -> u32 {
  return (b * TMAX + (start + j) % TMAX) * R;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let h = wg.x;
  let b = wg.y;
  let qOff = b * p.H * DH + h * DH;
  let len = cursor[1];
  let start = cursor[2];

  for (var d = tid; d < DH; d += WG) {
    var acc = 0.0;
    for (var k = 0u; k < R; k++) {
      acc = fma(P[p.offWq + (h * DH + d) * R + k], c[b * R + k], acc);
    }
    qh[d] = acc;
  }
  workgroupBarrier();

  for (var k = tid; k < R; k += WG) {
    var acc = 0.0;
    for (var d = 0u; d < DH; d++) {
      acc = fma(P[p.offWk + (h * DH + d) * R + k], qh[d], acc);
    }
    qt[k] = acc * p.scale;
  }
  workgroupBarrier();

  var mx = -3.0e38;
  for (var j = tid; j < len; j += WG) {
    let row = slotRow(b, j, start);
    var acc = 0.0;
    for (var k = 0u; k < R; k++) {
      acc = fma(cache[row + k], qt[k], acc);
    }
    s[j] = acc;
    mx = max(mx, acc);
  }
  red[tid] = mx;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (tid < stride) {
      red[tid] = max(red[tid], red[tid + stride]);
    }
    workgroupBarrier();
  }
  let m = red[0];
  workgroupBarrier();

  var sum = 0.0;
  for (var j = tid; j < len; j += WG) {
    let e = exp(s[j] - m);
    s[j] = e;
    sum += e;
  }
  red[tid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (tid < stride) {
      red[tid] += red[tid + stride];
    }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];

  // Threads run over latent columns, so neighbouring threads read neighbouring cache floats.
  for (var k = tid; k < R; k += WG) {
    var acc = 0.0;
    for (var j = 0u; j < len; j++) {
      acc = fma(s[j], cache[slotRow(b, j, start) + k], acc);
    }
    cbar[k] = acc * inv;
  }
  workgroupBarrier();

  for (var d = tid; d < DH; d += WG) {
    var acc = 0.0;
    for (var k = 0u; k < R; k++) {
      acc = fma(P[p.offWv + (h * DH + d) * R + k], cbar[k], acc);
    }
    out[qOff + d] = acc;
  }
}
