// Included (//!include matmul_operands) by the two tiled matmul kernels, matmul.wgsl (64×64 tiles)
// and matmul_large.wgsl (128×128), and by matvec.wgsl, so that all keep one contract with
// src/ops/matmul.ts: the overrides, the Params struct, the bindings and the bounds-checked operand
// loads. (Each kernel writes C itself: see matmul_large.wgsl.)
// op(A) is M×K (A stored M×K, or K×M when TRANS_A); op(B) is K×N (B stored K×N, or N×K when
// TRANS_B). Leading dimensions and element offsets let callers address slices of larger buffers.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;

struct Params {
  M: u32, N: u32, K: u32,
  lda: u32, ldb: u32, ldc: u32,
  offA: u32, offB: u32, offC: u32,
  alpha: f32,
  // Split-K: workgroup z sums k in [z·kChunk, (z+1)·kChunk) into C + z·splitStride (kChunk = K
  // and z = 0 without a split). Long-K products with few output tiles fill the GPU this way;
  // matmul_split_reduce adds the slices up.
  kChunk: u32,
  splitStride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// The end of slice z's K range (its start is z·kChunk).
fn sliceEnd(z: u32) -> u32 {
  return min(p.K, z * p.kChunk + p.kChunk);
}

// Zero outside the matrix and past the slice's end, so M, N and K need not be multiples of a tile
// or panel.
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
