// C (+)= alpha · op(A) · op(B), fp32, tiled: each workgroup of 16×16 threads computes a 64×64 tile
// of C (of workgroup_id.z's batch term and split-K slice), staging 64×16 panels of A and B in
// workgroup memory as k rows of 16 vec4s. A thread owns the 4×4 block of rows 4·ty + i and
// columns 4·tx + j, so each k step reads one vec4 of A (the same for a row of threads: a
// broadcast) and one of B (consecutive across tx) for 16 FMAs. Params, bindings and bounds:
// matmul_operands.wgsl; staging: matmul_panels.wgsl.
// EPILOGUE fuses the elementwise op that follows two of the model's products into their store,
// reading its operand E (bound to A where unused): 1 is Δ = softplus(x·Wᵀ + bias[n]) (dt_proj),
// 2 is out = x + o1·Wᵀ with E the residual x, laid out like C (each half's out_proj.up).

//!include matmul_operands
//!include matmul_panels
//!include softplus

override EPILOGUE: u32 = 0u;

@group(0) @binding(4) var<storage, read> E: array<f32>;

const BM = 64u;
const BN = 64u;
const BK = 16u;
const T = 16u; // threads per side

// k rows of 16 vec4 padded to 17: a transposed load walks k across neighbouring threads, which
// would otherwise all hit one bank of workgroup memory.
const SV = 17u;
var<workgroup> As: array<vec4<f32>, 272>; // [BK][SV]
var<workgroup> Bs: array<vec4<f32>, 272>; // [BK][SV]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let tid = lid.y * T + lid.x;
  var acc: array<vec4<f32>, 4>;
  let kRange = startPanels(wg.z, tid, row0, col0);
  for (var k0 = kRange.x; k0 < kRange.y; k0 += BK) {
    storePanel();
    workgroupBarrier();
    if (k0 + BK < kRange.y) { loadPanel(row0, col0, k0 + BK); }
    for (var k = 0u; k < BK; k++) {
      let a = As[k * SV + lid.y];
      let b = Bs[k * SV + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i] = fma(vec4<f32>(a[i]), b, acc[i]);
      }
    }
    workgroupBarrier();
  }

  // Inline, like matmul_large.wgsl's store (a helper with an early return cost registers there).
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= p.M) { continue; }
    let v = acc[i];
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n >= p.N) { continue; }
      let idx = cBase + m * p.ldc + n;
      var c = p.alpha * v[j];
      if (EPILOGUE == 1u) { c = softplus(c + E[n]); }
      if (EPILOGUE == 2u) { c += E[idx]; }
      if (ACCUMULATE) { c += C[idx]; }
      C[idx] = c;
    }
  }
}
