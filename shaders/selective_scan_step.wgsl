// The SSM's decode step after x_proj, for B sequences of one token each, fp32: from this token's
// in_proj output [u0 | z] and x_proj output [δ | Bt | Ct],
//   u        = silu(conv step of u0)                         (conv_silu_step; the state advances)
//   Δ[c]     = softplus(Σ_r δ[r]·Wdt[c,r] + bdt[c])
//   h[c,n]   = exp(Δ[c]·A[c,n])·h[c,n] + Δ[c]·Bt[n]·u[c],    A = -exp(A_log)   (in place)
//   y[c]     = Σ_n Ct[n]·h[c,n] + Dskip[c]·u[c]
//   g[c]     = y[c]·silu(z[c])                               (the gate, out_proj's input)
// A step is latency-bound (B·D·(R + N) multiply-adds): LANES threads share each (b, c), each with
// a slice of the R step-size weights and of the N states, joined by tree sums; fusing saves four
// launches per block. When halt[0] is set (a stop token ended the generation: sample.wgsl) neither state
// advances, so steps submitted past the end leave the context as it was. h is (B, D, N), e.g.
// slot 0 of the forward's `states` after a prefill; the weights are in the flat parameter buffer.

struct Params {
  B: u32, D: u32, N: u32, R: u32, KC: u32,
  ldu: u32, // row stride of uz: 2D
  ldx: u32, // row stride of dbc: R + 2N
  offConvW: u32, offConvB: u32, offWdt: u32, offBdt: u32, offALog: u32, offDskip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read> uz: array<f32>;
@group(0) @binding(3) var<storage, read> dbc: array<f32>;
@group(0) @binding(4) var<storage, read_write> convState: array<f32>;
@group(0) @binding(5) var<storage, read_write> h: array<f32>;
@group(0) @binding(6) var<storage, read_write> g: array<f32>;
@group(0) @binding(7) var<storage, read> halt: array<u32>;

//!include conv_silu_step
//!include softplus

const WG = 256u;
const LANES = 32u; // threads per (b, c); WG / LANES channels per workgroup

//!include lane_sum

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let i = (wg.y * nwg.x + wg.x) * (WG / LANES) + tid / LANES;
  let lane = tid % LANES;
  // Threads past the last channel still take part in the barriers.
  let valid = i < p.B * p.D;
  let b = i / p.D;
  let c = i % p.D;
  let live = halt[0] == 0u;

  var u0 = 0.0;
  var u = 0.0;
  var pre = 0.0;
  let row = b * p.ldx;
  if (valid) {
    u0 = uz[b * p.ldu + c];
    u = convSilu(b, c, u0);
    for (var r = lane; r < p.R; r += LANES) {
      pre = fma(dbc[row + r], P[p.offWdt + c * p.R + r], pre);
    }
  }
  let dt = softplus(laneSum(tid, pre) + P[p.offBdt + c]);
  // Every lane has read the conv state (inside laneSum's barriers): one advances it.
  if (valid && live && lane == 0u) {
    let base = b * (p.KC - 1u) * p.D + c;
    for (var k = 0u; k + 2u < p.KC; k++) {
      convState[base + k * p.D] = convState[base + (k + 1u) * p.D];
    }
    if (p.KC > 1u) { convState[base + (p.KC - 2u) * p.D] = u0; }
  }

  var acc = 0.0;
  if (valid) {
    let x = dt * u;
    for (var n = lane; n < p.N; n += LANES) {
      let st = i * p.N + n;
      let hn = exp(dt * -exp(P[p.offALog + c * p.N + n])) * h[st] + x * dbc[row + p.R + n];
      if (live) { h[st] = hn; }
      acc = fma(dbc[row + p.R + p.N + n], hn, acc);
    }
  }
  let y = laneSum(tid, acc) + P[p.offDskip + c] * u;
  if (valid && lane == 0u) {
    let z = uz[b * p.ldu + p.D + c];
    g[i] = y * z * sigmoid(z);
  }
}
