// Δ[row, c] = softplus(pre[row, c] + bias[c]), with PyTorch's threshold: v > 20 gives v.

struct Params {
  n: u32, // rows · D
  D: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> delta: array<f32>;

// log(1 + y) for y ≥ 0, accurate relative to its value. Δ is often 1e-3..1e-1 (the initial step
// sizes), where log(1 + y) would lose digits: WGSL's log is only accurate to 2⁻²¹ absolute near 1.
// Below y = 0.25 use log(1 + y) = 2·atanh(s), s = y/(2 + y) ≤ 1/9; the series' first omitted term
// is s⁸/9 ≈ 3e-9 relative.
fn log1p(y: f32) -> f32 {
  if (y > 0.25) { return log(1.0 + y); }
  let s = y / (2.0 + y);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 / 7.0)));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let v = pre[i] + bias[i % p.D];
  delta[i] = select(log1p(exp(v)), v, v > 20.0);
}
