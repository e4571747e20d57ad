// Causal depthwise conv1d over time with bias (PyTorch Conv1d(D, D, K, groups=D, padding=K-1),
// output cut to T): out_t[c] = b[c] + Σ_{k<K} w[c, k] · x_{t-K+1+k}[c], zero before t = 0 of each
// sequence. Rows are b·T + t; w is (D, 1, K), i.e. w[c·K + k]. One thread per output element.
// `main_silu` also writes act = silu(out) (the SSM's u = silu(conv(u))), saving a pass; `out`
// keeps the pre-activation that silu's backward needs.

struct Params {
  n: u32, // rows · D
  D: u32,
  T: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> act: array<f32>;

fn conv(i: u32) -> f32 {
  let c = i % p.D;
  let t = (i / p.D) % p.T;
  var acc = b[c];
  for (var k = 0u; k < p.K; k++) {
    let back = p.K - 1u - k; // how many steps before t this tap reads
    if (back <= t) {
      acc = fma(w[c * p.K + k], x[i - back * p.D], acc);
    }
  }
  return acc;
}

//!include sigmoid

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  out[i] = conv(i);
}

@compute @workgroup_size(256)
fn main_silu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let v = conv(i);
  out[i] = v;
  act[i] = v * sigmoid(v);
}
