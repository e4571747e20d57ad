// The second pass of split-K and batched matmuls: for each of up to MAX_SUMS products (workgroup
// z) and each of its outputs t, C_t (+)= alpha · Σ_s P[t·S + s] over the S partial products
// (each M×N, packed, from `offset` floats into P) that matmul.wgsl wrote, in a fixed order, so
// results are deterministic. Output t is at C + offC + t·strideC, rows ldc apart. One launch can
// finish every weight gradient of a half-block (their partial sums side by side in P).

override ACCUMULATE: bool = true;

const MAX_SUMS = 8u;

struct Sum { offset: u32, S: u32, M: u32, N: u32, ldc: u32, offC: u32, outputs: u32, strideC: u32 }

struct Params {
  count: u32,
  alpha: f32,
  @align(16) sums: array<Sum, MAX_SUMS>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(256)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let d = p.sums[wg.z];
  let i = gid.x + gid.y * nwg.x * 256u;
  let size = d.M * d.N;
  if (i >= size * d.outputs) { return; }
  let t = i / size;
  let e = i % size;
  var acc = 0.0;
  for (var s = 0u; s < d.S; s++) { acc += P[d.offset + (t * d.S + s) * size + e]; }
  let idx = d.offC + t * d.strideC + (e / d.N) * d.ldc + e % d.N;
  var v = p.alpha * acc;
  if (ACCUMULATE) { v += C[idx]; }
  C[idx] = v;
}
