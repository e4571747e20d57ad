// Selective-scan decode step: advances B sequences by one token, fp32, updating the state in place:
//   h[b,c,n] = exp(Δ[b,c]·A[c,n])·h[b,c,n] + Δ[b,c]·Bt[b,n]·u[b,c],  A = -exp(A_log)
//   y[b,c]   = Σ_n Ct[b,n]·h[b,c,n] + Dskip[c]·u[b,c]
// One thread per (b, c) walks its N states: a decode step is B·D·N multiply-adds, far too little
// work for lane splitting to pay. h is (B, D, N), e.g. slot 0 of the forward's `states` (prefill).

struct Params { B: u32, D: u32, N: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> h: array<f32>;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read> delta: array<f32>;
@group(0) @binding(4) var<storage, read> Bt: array<f32>;
@group(0) @binding(5) var<storage, read> Ct: array<f32>;
@group(0) @binding(6) var<storage, read> ALog: array<f32>;
@group(0) @binding(7) var<storage, read> Dskip: array<f32>;
@group(0) @binding(8) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.B * p.D) { return; }
  let b = i / p.D;
  let c = i % p.D;
  let dt = delta[i];
  let x = dt * u[i];
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let s = i * p.N + n;
    let hn = exp(dt * -exp(ALog[c * p.N + n])) * h[s] + x * Bt[b * p.N + n];
    h[s] = hn;
    acc += Ct[b * p.N + n] * hn;
  }
  y[i] = acc + Dskip[c] * u[i];
}
