// C (+)= alpha · op(A) · op(B), fp32, tiled: each workgroup of 16×16 threads computes a 64×64 tile
// of C (of split-K slice workgroup_id.z), each thread a 4×4 block, staging 64×16 panels of A and B
// in workgroup memory. Params, bindings and bounds: matmul_operands.wgsl.

//!include matmul_operands

const BM = 64u;
const BN = 64u;
const BK = 16u;
const T = 16u; // threads per side

// Panels are stored k-major with one float of padding per k row (stride 65): a transposed load
// walks k across neighbouring threads, and without the padding all 16 of them would hit the same
// bank of workgroup memory.
const SA = BM + 1u;
const SB = BN + 1u;
var<workgroup> As: array<f32, 1040>; // [BK][SA]
var<workgroup> Bs: array<f32, 1040>; // [BK][SB]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let tid = lid.y * T + lid.x;
  var acc: array<f32, 16>;
  let kEnd = sliceEnd(wg.z);

  for (var k0 = wg.z * p.kChunk; k0 < kEnd; k0 += BK) {
    // Each thread stages 4 elements of each panel; the index order follows the stored layout so
    // that neighbouring threads read neighbouring addresses.
    for (var i = 0u; i < 4u; i++) {
      let e = tid + i * 256u;
      if (TRANS_A) {
        let m = e % BM; let k = e / BM;
        As[k * SA + m] = loadA(row0 + m, k0 + k, kEnd);
      } else {
        let k = e % BK; let m = e / BK;
        As[k * SA + m] = loadA(row0 + m, k0 + k, kEnd);
      }
      if (TRANS_B) {
        let k = e % BK; let n = e / BK;
        Bs[k * SB + n] = loadB(k0 + k, col0 + n, kEnd);
      } else {
        let n = e % BN; let k = e / BN;
        Bs[k * SB + n] = loadB(k0 + k, col0 + n, kEnd);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[k * SA + lid.y + i * T];
        b[i] = Bs[k * SB + lid.x + i * T];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i * 4u + j] = fma(a[i], b[j], acc[i * 4u + j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y + i * T;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x + j * T;
      if (n >= p.N) { continue; }
      let idx = p.offC + wg.z * p.splitStride + m * p.ldc + n;
      var v = p.alpha * acc[i * 4u + j];
      if (ACCUMULATE) { v += C[idx]; }
      C[idx] = v;
    }
  }
}
