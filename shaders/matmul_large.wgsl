// C (+)= alpha · op(A) · op(B), fp32, for large outputs: matmul.wgsl's contract (params, bindings,
// bounds, workgroup_id.z's batch term and split-K slice: matmul_operands.wgsl), with 128×128 tiles
// of C per workgroup of 16×16 threads and an 8×8 block per thread, so each value read from
// workgroup memory feeds 8 FMAs (4 in matmul.wgsl). Panels of 128×8 of A and B are staged as vec4
// rows (matmul_panels.wgsl); a thread owns rows {4·ty + i, 64 + 4·ty + i} and columns
// {4·tx + j, 64 + 4·tx + j} (i, j < 4), so its workgroup reads are two vec4 of A (broadcast) and
// two of B (consecutive across tx).

//!include matmul_operands
//!include matmul_panels

const BM = 128u;
const BN = 128u;
const BK = 8u;
const T = 16u; // threads per side

// k rows of 32 vec4 padded to 33: a transposed load walks k across neighbouring threads, which
// would otherwise all hit one bank of workgroup memory.
const SV = 33u;
var<workgroup> As: array<vec4<f32>, 264>; // [BK][SV]
var<workgroup> Bs: array<vec4<f32>, 264>; // [BK][SV]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let tid = lid.y * T + lid.x;
  // acc[2i + h]: row block i (rows 4·ty + i for i < 4, 64 + 4·ty + i − 4 after), column half h.
  var acc: array<vec4<f32>, 16>;
  let kRange = startPanels(wg.z, tid, row0, col0);
  for (var k0 = kRange.x; k0 < kRange.y; k0 += BK) {
    storePanel();
    workgroupBarrier();
    if (k0 + BK < kRange.y) { loadPanel(row0, col0, k0 + BK); }
    for (var k = 0u; k < BK; k++) {
      let a0 = As[k * SV + lid.y];
      let a1 = As[k * SV + 16u + lid.y];
      let b0 = Bs[k * SV + lid.x];
      let b1 = Bs[k * SV + 16u + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[2u * i] = fma(vec4<f32>(a0[i]), b0, acc[2u * i]);
        acc[2u * i + 1u] = fma(vec4<f32>(a0[i]), b1, acc[2u * i + 1u]);
        acc[8u + 2u * i] = fma(vec4<f32>(a1[i]), b0, acc[8u + 2u * i]);
        acc[8u + 2u * i + 1u] = fma(vec4<f32>(a1[i]), b1, acc[8u + 2u * i + 1u]);
      }
    }
    workgroupBarrier();
  }

  // Keep this store inline, in this form: the same store through a helper function with an early
  // return made the kernel ~12× slower on an H200 with ACCUMULATE (8.2 against 0.74 ms for the
  // head's logits), as if the accumulators had left the registers.
  for (var i = 0u; i < 8u; i++) {
    let m = row0 + (i / 4u) * 64u + lid.y * 4u + i % 4u;
    if (m >= p.M) { continue; }
    for (var h = 0u; h < 2u; h++) {
      let v = acc[2u * i + h];
      for (var j = 0u; j < 4u; j++) {
        let n = col0 + h * 64u + lid.x * 4u + j;
        if (n >= p.N) { continue; }
        let idx = cBase + m * p.ldc + n;
        var c = p.alpha * v[j];
        if (ACCUMULATE) { c += C[idx]; }
        C[idx] = c;
      }
    }
  }
}
