// Causal depthwise conv1d backward, input gradient (overwritten):
//   dx_s[c] = Σ_{k<K} w[c, k] · dout_{s+K-1-k}[c], over outputs s+K-1-k < T of the same sequence.
// The weight and bias gradients are conv1d_backward_reduce + column_sum.

struct Params {
  n: u32, // rows · D
  D: u32,
  T: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let c = i % p.D;
  let t = (i / p.D) % p.T;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let ahead = p.K - 1u - k; // the output that reads x_t through tap k
    if (t + ahead < p.T) {
      acc = fma(w[c * p.K + k], dout[i + ahead * p.D], acc);
    }
  }
  dx[i] = acc;
}
