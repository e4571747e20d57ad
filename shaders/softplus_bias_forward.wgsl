// Δ[row, c] = softplus(pre[row, c] + bias[c]), with PyTorch's threshold: v > 20 gives v.

struct Params {
  n: u32, // rows · D
  D: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> delta: array<f32>;

//!include softplus

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let v = pre[i] + bias[i % p.D];
  delta[i] = softplus(v);
}
