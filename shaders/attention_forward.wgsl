// Causal multi-head softmax attention, forward (flash-attention style): out = softmax(q kᵀ·scale +
// causal mask) v per sequence and head, with the row's log-sum-exp saved for the backward.
// One workgroup per (query block of BQ rows, head, sequence); TPR threads share each query row.
// Key/value tiles of BK rows are staged in workgroup memory and folded into a running (max, sum,
// output) per row, so the T×T score matrix never reaches global memory.
// q, k, v, out are (B·T, H·DH) row-major (row = b·T + t, head h in columns h·DH..); lse is (B, H, T).

//!include attention_tiles

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

var<workgroup> Qs: array<f32, BQ * DH>; // q rows, pre-multiplied by scale
var<workgroup> Ks: array<f32, BK * PAD>;
var<workgroup> Vs: array<f32, BK * DH>;
var<workgroup> S: array<f32, BQ * BK>; // this tile's scores

@compute @workgroup_size(BQ * TPR)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let T = p.T;
  let D = p.H * DH;
  let base = wg.z * T;
  let col = wg.y * DH;
  let q0 = wg.x * BQ;
  let i = tid / TPR;
  let lane = tid % TPR;
  // Rows past the end compute on the last row and are not stored; barriers stay uniform.
  let t = min(q0 + i, T - 1u);

  for (var e = tid; e < BQ * DH; e += BQ * TPR) {
    let row = min(q0 + e / DH, T - 1u);
    Qs[e] = q[(base + row) * D + col + e % DH] * p.scale;
  }

  var m = -3.0e38;
  var l = 0.0;
  var acc: array<f32, MAX_DPT>;
  let kEnd = min(T, q0 + BQ);
  for (var k0 = 0u; k0 < kEnd; k0 += BK) {
    for (var e = tid; e < BK * DH; e += BQ * TPR) {
      let j = e / DH;
      let d = e % DH;
      let g = (base + min(k0 + j, T - 1u)) * D + col + d;
      Ks[j * PAD + d] = k[g];
      Vs[e] = v[g];
    }
    workgroupBarrier();

    // Keys k0 .. min(k0 + BK, t + 1) are visible to row t.
    let nk = select(0u, min(BK, t + 1u - k0), t >= k0);
    for (var j = lane; j < nk; j += TPR) {
      var s = 0.0;
      for (var d = 0u; d < DH; d++) {
        s = fma(Qs[i * DH + d], Ks[j * PAD + d], s);
      }
      S[i * BK + j] = s;
    }
    workgroupBarrier();

    // Every thread of a row runs the same reduction in the same order, so they agree on m and l.
    var mt = m;
    for (var j = 0u; j < nk; j++) {
      mt = max(mt, S[i * BK + j]);
    }
    let alpha = exp(m - mt);
    l *= alpha;
    for (var u = 0u; u < DPT; u++) {
      acc[u] *= alpha;
    }
    for (var j = 0u; j < nk; j++) {
      let pj = exp(S[i * BK + j] - mt);
      l += pj;
      for (var u = 0u; u < DPT; u++) {
        let d = lane + u * TPR;
        if (d < DH) {
          acc[u] = fma(pj, Vs[j * DH + d], acc[u]);
        }
      }
    }
    m = mt;
    workgroupBarrier();
  }

  if (q0 + i < T) {
    let inv = 1.0 / l;
    for (var u = 0u; u < DPT; u++) {
      let d = lane + u * TPR;
      if (d < DH) {
        out[(base + t) * D + col + d] = acc[u] * inv;
      }
    }
    if (lane == 0u) {
      lse[(wg.z * p.H + wg.y) * T + t] = m + log(l);
    }
  }
}
