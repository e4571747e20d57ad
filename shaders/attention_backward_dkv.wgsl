// Causal attention backward, pass 2 of 2 (flash-attention-2 style): per key row j,
// dv_j = Σ_i p_ij dout_i and dk_j = scale · Σ_i ds_ij q_i over the queries i ≥ j, with p and
// ds = p (dout_i·v_j − delta_i) recomputed from lse and the delta written by pass 1. dk and dv are
// overwritten; each key row belongs to one workgroup, so no atomics are needed.
// One workgroup per (key block of BK rows, head, sequence); TPR threads share each key row and
// loop over query tiles of BQ rows staged in workgroup memory. Layouts as in attention_forward.

//!include attention_tiles

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

var<workgroup> Ks: array<f32, BK * DH>; // k rows, pre-multiplied by scale
var<workgroup> Vs: array<f32, BK * DH>;
// Query rows padded by one float: threads of a key row read different queries at the same column.
var<workgroup> Qs: array<f32, BQ * PAD>;
var<workgroup> dOs: array<f32, BQ * PAD>;
var<workgroup> Ls: array<f32, BQ>;
var<workgroup> Dl: array<f32, BQ>;
var<workgroup> P: array<f32, BK * BQ>;
var<workgroup> dS: array<f32, BK * BQ>;

@compute @workgroup_size(BK * TPR)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let T = p.T;
  let D = p.H * DH;
  let base = wg.z * T;
  let col = wg.y * DH;
  let statRow = (wg.z * p.H + wg.y) * T;
  let j0 = wg.x * BK;
  let j = tid / TPR;
  let lane = tid % TPR;
  let tj = min(j0 + j, T - 1u);

  for (var e = tid; e < BK * DH; e += BK * TPR) {
    let g = (base + min(j0 + e / DH, T - 1u)) * D + col + e % DH;
    Ks[e] = k[g] * p.scale;
    Vs[e] = v[g];
  }

  var accK: array<f32, MAX_DPT>;
  var accV: array<f32, MAX_DPT>;
  // Query tiles start at the block's first key: earlier queries see none of its keys.
  for (var i0 = j0; i0 < T; i0 += BQ) {
    for (var e = tid; e < BQ * DH; e += BK * TPR) {
      let w = e / DH;
      let d = e % DH;
      let g = (base + min(i0 + w, T - 1u)) * D + col + d;
      Qs[w * PAD + d] = q[g];
      dOs[w * PAD + d] = dout[g];
    }
    for (var w = tid; w < BQ; w += BK * TPR) {
      let r = statRow + min(i0 + w, T - 1u);
      Ls[w] = lse[r];
      Dl[w] = delta[r];
    }
    workgroupBarrier();

    // Queries i0 + w with tj ≤ i0 + w < T see key tj.
    let wBegin = select(0u, tj - i0, tj > i0);
    let wEnd = min(BQ, T - i0);
    for (var w = wBegin + lane; w < wEnd; w += TPR) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DH; d++) {
        s = fma(Ks[j * DH + d], Qs[w * PAD + d], s);
        dp = fma(Vs[j * DH + d], dOs[w * PAD + d], dp);
      }
      let pw = exp(s - Ls[w]);
      P[j * BQ + w] = pw;
      dS[j * BQ + w] = pw * (dp - Dl[w]);
    }
    workgroupBarrier();

    for (var w = wBegin; w < wEnd; w++) {
      let pw = P[j * BQ + w];
      let ds = dS[j * BQ + w];
      for (var u = 0u; u < DPT; u++) {
        let d = lane + u * TPR;
        if (d < DH) {
          accV[u] = fma(pw, dOs[w * PAD + d], accV[u]);
          accK[u] = fma(ds, Qs[w * PAD + d], accK[u]);
        }
      }
    }
    workgroupBarrier();
  }

  if (j0 + j < T) {
    let rowOff = (base + tj) * D + col;
    for (var u = 0u; u < DPT; u++) {
      let d = lane + u * TPR;
      if (d < DH) {
        dk[rowOff + d] = accK[u] * p.scale;
        dv[rowOff + d] = accV[u];
      }
    }
  }
}
