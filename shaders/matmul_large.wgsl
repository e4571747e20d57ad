// C (+)= alpha · op(A) · op(B), fp32, for large outputs: the same contract as matmul.wgsl (params,
// bindings, overrides, bounds checks on every load and store), with 128×128 tiles of C per
// workgroup of 16×16 threads and an 8×8 block per thread, so each value read from workgroup memory
// feeds 8 FMAs (4 in matmul.wgsl). Panels of 128×8 of A and B are staged as vec4 rows; a thread
// owns rows {4·ty + i, 64 + 4·ty + i} and columns {4·tx + j, 64 + 4·tx + j} (i, j < 4), so its
// workgroup reads are two vec4 of A (broadcast) and two of B (consecutive across tx).

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;

struct Params {
  M: u32, N: u32, K: u32,
  lda: u32, ldb: u32, ldc: u32,
  offA: u32, offB: u32, offC: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const BM = 128u;
const BN = 128u;
const BK = 8u;
const T = 16u; // threads per side

// k rows of 32 vec4 padded to 33: a transposed load walks k across neighbouring threads, which
// would otherwise all hit one bank of workgroup memory.
var<workgroup> As: array<vec4<f32>, 264>; // [BK][33]
var<workgroup> Bs: array<vec4<f32>, 264>; // [BK][33]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (TRANS_A) { return A[p.offA + k * p.lda + m]; }
  return A[p.offA + m * p.lda + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  if (TRANS_B) { return B[p.offB + n * p.ldb + k]; }
  return B[p.offB + k * p.ldb + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let tid = lid.y * T + lid.x;
  // acc[2i + h]: row block i (rows 4·ty + i for i < 4, 64 + 4·ty + i − 4 after), column half h.
  var acc: array<vec4<f32>, 16>;

  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // 1,024 elements per panel, 4 per thread, indexed in the stored order so that neighbouring
    // threads read neighbouring addresses.
    for (var i = 0u; i < 4u; i++) {
      let e = tid + i * 256u;
      var m: u32; var ka: u32;
      if (TRANS_A) { m = e % BM; ka = e / BM; } else { ka = e % BK; m = e / BK; }
      As[ka * 33u + m / 4u][m % 4u] = loadA(row0 + m, k0 + ka);
      var n: u32; var kb: u32;
      if (TRANS_B) { kb = e % BK; n = e / BK; } else { n = e % BN; kb = e / BN; }
      Bs[kb * 33u + n / 4u][n % 4u] = loadB(k0 + kb, col0 + n);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let a0 = As[k * 33u + lid.y];
      let a1 = As[k * 33u + 16u + lid.y];
      let b0 = Bs[k * 33u + lid.x];
      let b1 = Bs[k * 33u + 16u + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[2u * i] = fma(vec4<f32>(a0[i]), b0, acc[2u * i]);
        acc[2u * i + 1u] = fma(vec4<f32>(a0[i]), b1, acc[2u * i + 1u]);
        acc[8u + 2u * i] = fma(vec4<f32>(a1[i]), b0, acc[8u + 2u * i]);
        acc[8u + 2u * i + 1u] = fma(vec4<f32>(a1[i]), b1, acc[8u + 2u * i + 1u]);
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 8u; i++) {
    let m = row0 + (i / 4u) * 64u + lid.y * 4u + i % 4u;
    if (m >= p.M) { continue; }
    for (var h = 0u; h < 2u; h++) {
      let v = acc[2u * i + h];
      for (var j = 0u; j < 4u; j++) {
        let n = col0 + h * 64u + lid.x * 4u + j;
        if (n >= p.N) { continue; }
        let idx = p.offC + m * p.ldc + n;
        var c = p.alpha * v[j];
        if (ACCUMULATE) { c += C[idx]; }
        C[idx] = c;
      }
    }
  }
}
