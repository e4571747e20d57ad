// out = y ⊙ silu(z), elementwise (the SSM's output gate). One thread per 4 consecutive floats
// (n4 = n / 4 vec4s).

struct Params {
  n4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> z: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

//!include sigmoid

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= p.n4) { return; }
  let a = y[i];
  let v = z[i];
  out[i] = a * v * sigmoid4(v);
}
