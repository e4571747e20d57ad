// out = y ⊙ silu(z) backward, elementwise; both gradients are overwritten:
//   dy = dout · silu(z),   dz = dout · y · σ(z)·(1 + z·(1 − σ(z)))
// One thread per 4 consecutive floats (n4 = n / 4 vec4s).

struct Params {
  n4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> z: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> dy: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dz: array<vec4<f32>>;

//!include sigmoid

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= p.n4) { return; }
  let a = y[i];
  let v = z[i];
  let g = dout[i];
  let s = sigmoid4(v);
  dy[i] = g * v * s;
  dz[i] = g * a * s * (1.0 + v * (1.0 - s));
}
