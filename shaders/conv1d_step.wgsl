// One decode step of the SSM's causal depthwise conv1d for B sequences:
//   out[b,c] = bias[c] + Σ_{k<K-1} w[c,k]·state[b,k,c] + w[c,K-1]·x[b,c]
// then y = silu(out) when SILU (the SSM's u = silu(conv(u))), else y = out. `state` (B, K-1, D)
// holds each sequence's previous K-1 inputs, oldest first (zeros before the start); the step
// shifts it by one and appends x. A shift rather than a ring: K-1 is tiny (3), and the kernel
// then needs no position. One thread per (b, c); each owns its column of the state, so the shift
// needs no barrier.

override SILU: bool = true;

struct Params { B: u32, D: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> state: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

//!include sigmoid

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.B * p.D) { return; }
  let b = i / p.D;
  let c = i % p.D;
  let base = b * (p.K - 1u) * p.D + c;
  var acc = bias[c];
  for (var k = 0u; k + 1u < p.K; k++) {
    let s = state[base + k * p.D];
    acc = fma(w[c * p.K + k], s, acc);
    if (k > 0u) { state[base + (k - 1u) * p.D] = s; }
  }
  let xi = x[i];
  acc = fma(w[c * p.K + p.K - 1u], xi, acc);
  if (p.K > 1u) { state[base + (p.K - 2u) * p.D] = xi; }
  y[i] = select(acc, acc * sigmoid(acc), SILU);
}
