// dx = dy · silu'(x) = dy · σ(x)·(1 + x·(1 − σ(x))), elementwise; dx is overwritten. One thread
// per 4 consecutive floats (n4 = n / 4 vec4s).

struct Params {
  n4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;

//!include sigmoid

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= p.n4) { return; }
  let v = x[i];
  let g = dy[i];
  let s = sigmoid4(v);
  dx[i] = g * s * (1.0 + v * (1.0 - s));
}
