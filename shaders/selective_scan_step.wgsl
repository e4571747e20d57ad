// The SSM's decode step after x_proj, for B sequences of one token each, fp32: from this token's
// in_proj output [u0 | z] and x_proj output [δ | Bt | Ct],
//   u        = silu(conv step of u0)                         (conv_silu_step; the state advances)
//   Δ[c]     = softplus(Σ_r δ[r]·Wdt[c,r] + bdt[c])
//   h[c,n]   = exp(Δ[c]·A[c,n])·h[c,n] + Δ[c]·Bt[n]·u[c],    A = -exp(A_log)   (in place)
//   y[c]     = Σ_n Ct[n]·h[c,n] + Dskip[c]·u[c]
//   g[c]     = y[c]·silu(z[c])                               (the gate, out_proj's input)
// One thread per (b, c) walks its R step-size weights and N states: a step is B·D·(R + N)
// multiply-adds, too little work for lane splitting to pay, and fusing saves four launches per
// block. When halt[0] is set (a stop token ended the generation: sample.wgsl) neither state
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.B * p.D) { return; }
  let b = i / p.D;
  let c = i % p.D;
  let live = halt[0] == 0u;

  let u0 = uz[b * p.ldu + c];
  let u = convSilu(b, c, u0);
  if (live) {
    let base = b * (p.KC - 1u) * p.D + c;
    for (var k = 0u; k + 2u < p.KC; k++) {
      convState[base + k * p.D] = convState[base + (k + 1u) * p.D];
    }
    if (p.KC > 1u) { convState[base + (p.KC - 2u) * p.D] = u0; }
  }

  let row = b * p.ldx;
  var pre = 0.0;
  for (var r = 0u; r < p.R; r++) { pre = fma(dbc[row + r], P[p.offWdt + c * p.R + r], pre); }
  let dt = softplus(pre + P[p.offBdt + c]);

  let x = dt * u;
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let s = i * p.N + n;
    let hn = exp(dt * -exp(P[p.offALog + c * p.N + n])) * h[s] + x * dbc[row + p.R + n];
    if (live) { h[s] = hn; }
    acc += dbc[row + p.R + p.N + n] * hn;
  }
  let y = acc + P[p.offDskip + c] * u;
  let z = uz[b * p.ldu + p.D + c];
  g[i] = y * z * sigmoid(z);
}
