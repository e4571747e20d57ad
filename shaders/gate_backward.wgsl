// out = y ⊙ silu(z) backward, elementwise; both gradients are overwritten:
//   dy = dout · silu(z),   dz = dout · y · σ(z)·(1 + z·(1 − σ(z)))

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> z: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;

//!include sigmoid

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let v = z[i];
  let s = sigmoid(v);
  let g = dout[i];
  dy[i] = g * v * s;
  dz[i] = g * y[i] * s * (1.0 + v * (1.0 - s));
}
