// Causal attention backward, pass 1 of 2 (flash-attention-2 style): per query row, delta =
// rowsum(dout ⊙ out), then dq = scale · Σ_j ds_ij k_j with ds_ij = p_ij (dout_i·v_j − delta_i) and
// p_ij = exp(scale q_i·k_j − lse_i) recomputed from the forward's log-sum-exp. dq is overwritten;
// delta is written for pass 2 (attention_backward_dkv), which runs next.
// One workgroup per (query block of BQ rows, head, sequence); TPR threads share each query row and
// loop over key tiles of BK rows staged in workgroup memory. Layouts as in attention_forward.

//!include attention_tiles

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> out: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<f32>;

var<workgroup> Qs: array<f32, BQ * DH>; // q rows, pre-multiplied by scale
var<workgroup> dOs: array<f32, BQ * DH>;
var<workgroup> Ks: array<f32, BK * PAD>;
var<workgroup> Vs: array<f32, BK * PAD>;
var<workgroup> dS: array<f32, BQ * BK>;
var<workgroup> part: array<f32, BQ * TPR>; // per-thread partial sums of delta

@compute @workgroup_size(BQ * TPR)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let T = p.T;
  let D = p.H * DH;
  let base = wg.z * T;
  let col = wg.y * DH;
  let q0 = wg.x * BQ;
  let i = tid / TPR;
  let lane = tid % TPR;
  let t = min(q0 + i, T - 1u);
  let rowOff = (base + t) * D + col;

  for (var e = tid; e < BQ * DH; e += BQ * TPR) {
    let g = (base + min(q0 + e / DH, T - 1u)) * D + col + e % DH;
    Qs[e] = q[g] * p.scale;
    dOs[e] = dout[g];
  }
  var part_sum = 0.0;
  for (var d = lane; d < DH; d += TPR) {
    part_sum = fma(dout[rowOff + d], out[rowOff + d], part_sum);
  }
  part[tid] = part_sum;
  workgroupBarrier();
  var di = 0.0;
  for (var w = 0u; w < TPR; w++) {
    di += part[i * TPR + w];
  }
  let lseRow = (wg.z * p.H + wg.y) * T + t;
  let li = lse[lseRow];
  if (lane == 0u && q0 + i < T) {
    delta[lseRow] = di;
  }

  var acc: array<f32, MAX_DPT>;
  let kEnd = min(T, q0 + BQ);
  for (var k0 = 0u; k0 < kEnd; k0 += BK) {
    for (var e = tid; e < BK * DH; e += BQ * TPR) {
      let j = e / DH;
      let d = e % DH;
      let g = (base + min(k0 + j, T - 1u)) * D + col + d;
      Ks[j * PAD + d] = k[g];
      Vs[j * PAD + d] = v[g];
    }
    workgroupBarrier();

    let nk = select(0u, min(BK, t + 1u - k0), t >= k0);
    for (var j = lane; j < nk; j += TPR) {
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DH; d++) {
        s = fma(Qs[i * DH + d], Ks[j * PAD + d], s);
        dp = fma(dOs[i * DH + d], Vs[j * PAD + d], dp);
      }
      dS[i * BK + j] = exp(s - li) * (dp - di);
    }
    workgroupBarrier();

    for (var j = 0u; j < nk; j++) {
      let ds = dS[i * BK + j];
      for (var u = 0u; u < DPT; u++) {
        let d = lane + u * TPR;
        if (d < DH) {
          acc[u] = fma(ds, Ks[j * PAD + d], acc[u]);
        }
      }
    }
    workgroupBarrier();
  }

  if (q0 + i < T) {
    for (var u = 0u; u < DPT; u++) {
      let d = lane + u * TPR;
      if (d < DH) {
        dq[rowOff + d] = acc[u] * p.scale;
      }
    }
  }
}
