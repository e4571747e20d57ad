// Attention for one new token per sequence over the latent cache (generation). The cache holds c
// (R floats per token) instead of k and v; with q = Wq c, k_j = Wk c_j and v_j = Wv c_j the
// weights are absorbed: per head h, q_h = Wq_h c, q̃ = Wk_hᵀ q_h, p = softmax(c_j·q̃ · scale),
// out_h = Wv_h (Σ_j p_j c_j). The query's projection is fused in: it is DH·R multiply-adds per
// head, less than one pass over the cache.
// The cache of each sequence is a ring of TMAX slots: position j (0 ≤ j < len) is in slot
// (start + j) mod TMAX, with len = cursor[1] and start = cursor[2], written once per token for
// every block. One workgroup per (head, sequence). Decoding one token is latency-bound: each
// stage splits its dot products over all WG threads (lanes per output, then a tree sum), so no
// thread walks more than one cache row or a slice of a weight row.
// c and out are (Bq, R) and (Bq, H·DH); cache is (Bq, TMAX, R); Wq, Wk and Wv are (H·DH, R)
// row-major in the flat parameter buffer P at offWq, offWk and offWv.

override WG: u32 = 256u; // a power of two, a multiple of DH and of R
override DH: u32 = 32u; // a power of two
override R: u32 = 128u; // a power of two
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

var<workgroup> red: array<f32, WG>;
var<workgroup> qh: array<f32, DH>;
var<workgroup> qt: array<f32, R>; // q̃ · scale
var<workgroup> s: array<f32, TMAX>; // scores, then their exponentials
var<workgroup> cbar: array<f32, R>;

fn slotRow(b: u32, j: u32, start: u32) -> u32 {
  return (b * TMAX + (start + j) % TMAX) * R;
}

// Sums v over each group of `lanes` consecutive threads; the sum lands in red[first of group].
fn groupSum(tid: u32, v: f32, lanes: u32) {
  red[tid] = v;
  workgroupBarrier();
  for (var st = lanes / 2u; st > 0u; st >>= 1u) {
    if (tid % lanes < st) { red[tid] += red[tid + st]; }
    workgroupBarrier();
  }
}

// Σ_k W[(h·DH + d)·R + k]·cbar[k] for the DH rows d of head h: WG/DH lanes per row.
fn headRows(tid: u32, off: u32, h: u32) -> f32 {
  let lanes = WG / DH;
  let d = tid / lanes;
  var acc = 0.0;
  for (var k = tid % lanes; k < R; k += lanes) {
    acc = fma(P[off + (h * DH + d) * R + k], cbar[k], acc);
  }
  groupSum(tid, acc, lanes);
  return red[d * lanes];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let h = wg.x;
  let b = wg.y;
  let qOff = b * p.H * DH + h * DH;
  let len = cursor[1];
  let start = cursor[2];
  let lanes = WG / DH;

  // q_h = Wq_h c (the latent staged in cbar).
  if (tid < R) { cbar[tid] = c[b * R + tid]; }
  workgroupBarrier();
  let q = headRows(tid, p.offWq, h);
  if (tid % lanes == 0u) { qh[tid / lanes] = q; }
  workgroupBarrier();

  // q̃ = Wk_hᵀ q_h: WG/R threads per latent column, each over a slice of the head's rows.
  let parts = WG / R;
  let k = tid % R;
  var acc = 0.0;
  for (var d = tid / R; d < DH; d += parts) {
    acc = fma(P[p.offWk + (h * DH + d) * R + k], qh[d], acc);
  }
  red[tid] = acc;
  workgroupBarrier();
  if (tid < R) {
    var sum = 0.0;
    for (var i = 0u; i < parts; i++) { sum += red[i * R + tid]; }
    qt[tid] = sum * p.scale;
  }
  workgroupBarrier();

  // Scores: a thread per cached position (one each while len ≤ WG).
  var mx = -3.0e38;
  for (var j = tid; j < len; j += WG) {
    let row = slotRow(b, j, start);
    var dot = 0.0;
    for (var i = 0u; i < R; i++) { dot = fma(cache[row + i], qt[i], dot); }
    s[j] = dot;
    mx = max(mx, dot);
  }
  red[tid] = mx;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st >>= 1u) {
    if (tid < st) { red[tid] = max(red[tid], red[tid + st]); }
    workgroupBarrier();
  }
  let m = red[0];
  workgroupBarrier();
  var e = 0.0;
  for (var j = tid; j < len; j += WG) {
    let v = exp(s[j] - m);
    s[j] = v;
    e += v;
  }
  groupSum(tid, e, WG);
  let inv = 1.0 / red[0];
  workgroupBarrier();

  // c̄ = Σ_j p_j c_j: WG/R threads per latent column, each over every parts-th position.
  acc = 0.0;
  for (var j = tid / R; j < len; j += parts) {
    acc = fma(s[j], cache[slotRow(b, j, start) + k], acc);
  }
  red[tid] = acc;
  workgroupBarrier();
  if (tid < R) {
    var sum = 0.0;
    for (var i = 0u; i < parts; i++) { sum += red[i * R + tid]; }
    cbar[tid] = sum * inv;
  }
  workgroupBarrier();

  // out_h = Wv_h c̄.
  let o = headRows(tid, p.offWv, h);
  if (tid % lanes == 0u) { out[qOff + tid / lanes] = o; }
}
