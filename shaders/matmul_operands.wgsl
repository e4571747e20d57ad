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
  // Split-K: workgroup z's slice s = z % slices sums k in [s·kChunk, (s+1)·kChunk) into
  // C + s·splitStride (kChunk = K, slices = 1 without a split). Long-K products with few output
  // tiles fill the GPU this way; matmul_split_reduce adds the slices up.
  kChunk: u32,
  splitStride: u32,
  slices: u32,
  // A batch: workgroup z's term t = z / slices is its own product, of A + t·strideA and B + t·strideB
  // into C + t·strideC (one launch for maps that share an input or an output's layout).
  strideA: u32,
  strideB: u32,
  strideC: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

// Slice z's K range [begin, end): a function of uniforms only, so that the tiled kernels' loops
// over it (with their barriers) stay in uniform control flow.
fn sliceRange(z: u32) -> vec2<u32> {
  let begin = (z % p.slices) * p.kChunk;
  return vec2(begin, min(p.K, begin + p.kChunk));
}

// Where workgroup z's term and slice read and write (set by placeSlice, for the loads and stores).
var<private> aBase: u32;
var<private> bBase: u32;
var<private> cBase: u32;
var<private> kEnd: u32;

fn placeSlice(z: u32) {
  let t = z / p.slices;
  aBase = p.offA + t * p.strideA;
  bBase = p.offB + t * p.strideB;
  cBase = p.offC + t * p.strideC + (z % p.slices) * p.splitStride;
  kEnd = sliceRange(z).y;
}

// Zero outside the matrix and past the slice's end, so M, N and K need not be multiples of a tile
// or panel.
fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= kEnd) { return 0.0; }
  if (TRANS_A) { return A[aBase + k * p.lda + m]; }
  return A[aBase + m * p.lda + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= kEnd || n >= p.N) { return 0.0; }
  if (TRANS_B) { return B[bBase + n * p.ldb + k]; }
  return B[bBase + k * p.ldb + n];
}
