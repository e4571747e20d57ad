// C (+)= alpha · op(A) · op(B), fp32, tiled: each workgroup of 16×16 threads computes a 64×64 tile
// of C, each thread a 4×4 block, staging 64×16 panels of A and B in workgroup memory.
// op(A) is M×K (A stored M×K, or K×M when TRANS_A); op(B) is K×N (B stored K×N, or N×K when
// TRANS_B). Leading dimensions and element offsets let callers address slices of larger buffers.
// Bounds are checked on every load and store, so M, N and K need not be multiples of the tile.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;

struct Params {
  M: u32, N: u32, K: u32,
  lda: u32, ldb: u32, ldc: u32,
  offA: u32, offB: u32, offC: u32,
  alpha: f32,
  // Split-K: workgroup z sums k in [z·kChunk, (z+1)·kChunk) into C + z·splitStride (kChunk = K
  // and z = 0 without a split). Long-K products with few output tiles (the weight gradients)
  // fill the GPU this way; matmul_split_reduce adds the slices up.
  kChunk: u32,
  splitStride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

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

fn loadA(m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= p.M || k >= kEnd) { return 0.0; }
  if (TRANS_A) { return A[p.offA + k * p.lda + m]; }
  return A[p.offA + m * p.lda + k];
}

fn loadB(k: u32, n: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || n >= p.N) { return 0.0; }
  if (TRANS_B) { return B[p.offB + n * p.ldb + k]; }
  return B[p.offB + k * p.ldb + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let tid = lid.y * T + lid.x;
  var acc: array<f32, 16>;
  let kBegin = wg.z * p.kChunk;
  let kEnd = min(p.K, kBegin + p.kChunk);

  for (var k0 = kBegin; k0 < kEnd; k0 += BK) {
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
