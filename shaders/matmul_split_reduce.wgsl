// The second pass of a split-K (or summed-batch) matmul: C_t (+)= alpha · Σ_s P[t·S + s] over the
// S partial products of output t (each M×N, packed) that matmul.wgsl wrote, in a fixed order, so
// results are deterministic. Output t (workgroup z) is C + t·strideC.

override ACCUMULATE: bool = true;

struct Params { M: u32, N: u32, S: u32, ldc: u32, offC: u32, alpha: f32, strideC: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let size = p.M * p.N;
  if (i >= size) { return; }
  let first = gid.z * p.S;
  var acc = 0.0;
  for (var s = 0u; s < p.S; s++) { acc += P[(first + s) * size + i]; }
  let idx = p.offC + gid.z * p.strideC + (i / p.N) * p.ldc + i % p.N;
  var v = p.alpha * acc;
  if (ACCUMULATE) { v += C[idx]; }
  C[idx] = v;
}
