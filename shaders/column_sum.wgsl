// Second pass of the reductions over rows: out[c] += Σ_g partial[g, c], where each row g of
// `partial` holds one workgroup's sum over a block of rows. One thread per column sums the
// blocks in order, so gradients are deterministic without float atomics (WGSL has none).

struct Params {
  groups: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = gid.y * nwg.x * 256u + gid.x;
  if (c >= p.cols) { return; }
  var acc = 0.0;
  for (var g = 0u; g < p.groups; g++) {
    acc += partial[g * p.cols + c];
  }
  out[c] += acc;
}
