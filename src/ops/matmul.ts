// The matmul family: C (+)= alpha · op(A) · op(B) with op ∈ {identity, transpose}.
// Every projection of the model is one of these: forward y = x·Wᵀ (NT), input gradient
// dx = dy·W (NN), weight gradient dW += dyᵀ·x (TN, accumulating).
import { f32, type GpuRuntime, grid1d, type Launch, type Param, u32 } from '../gpu/runtime';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Add into C instead of overwriting it (gradient accumulation). */
  accumulate?: boolean;
  alpha?: number;
  /** Leading dimensions (row strides as stored); default to the packed layout. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Element offsets into A, B and C. */
  offA?: number;
  offB?: number;
  offC?: number;
  /** Tile side of C per workgroup: 64 (matmul.wgsl) or 128 (matmul_large.wgsl); see matmulTile. */
  tile?: 64 | 128;
  /** K slices for matmulSplitK (default splitKFactor). */
  splitK?: number;
}

/**
 * 128×128 tiles only where they still give ≥ 256 workgroups (about two per multiprocessor of a
 * large GPU): of the i3-22m products, the head's logits (4,096 × 4,466). Smaller outputs keep the
 * 64×64 kernel, whose four times as many workgroups fill the GPU better.
 */
const LARGE_MIN_WORKGROUPS = 256;

export function matmulTile(shape: MatmulShape): 64 | 128 {
  if (shape.tile) return shape.tile;
  const workgroups = Math.ceil(shape.M / 128) * Math.ceil(shape.N / 128);
  return workgroups >= LARGE_MIN_WORKGROUPS ? 128 : 64;
}

function resolved(s: MatmulShape) {
  const transA = s.transA ?? false;
  const transB = s.transB ?? false;
  return {
    ...s,
    transA,
    transB,
    accumulate: s.accumulate ?? false,
    alpha: s.alpha ?? 1,
    lda: s.lda ?? (transA ? s.M : s.K),
    ldb: s.ldb ?? (transB ? s.K : s.N),
    ldc: s.ldc ?? s.N,
    offA: s.offA ?? 0,
    offB: s.offB ?? 0,
    offC: s.offC ?? 0,
  };
}

/**
 * The Params struct of matmul.wgsl (matvec.wgsl and matmul_large.wgsl read its first ten
 * fields): without a split, one slice of all K.
 */
function matmulParams(s: ReturnType<typeof resolved>, kChunk = s.K, splitStride = 0): Param[] {
  return [
    u32(s.M),
    u32(s.N),
    u32(s.K),
    u32(s.lda),
    u32(s.ldb),
    u32(s.ldc),
    u32(s.offA),
    u32(s.offB),
    u32(s.offC),
    f32(s.alpha),
    u32(kChunk),
    u32(splitStride),
  ];
}

/** "name MxNxK NT/128": the profiler groups launches by label, so shape and tile are part of it. */
export function matmulLabel(name: string, shape: MatmulShape): string {
  const t = (x?: boolean) => (x ? 'T' : 'N');
  const { M, N, K } = shape;
  return `${name} ${M}x${N}x${K} ${t(shape.transA)}${t(shape.transB)}/${matmulTile(shape)}`;
}

/** Rows of A up to which an A·Bᵀ product goes to matvec.wgsl (generation's one-token steps). */
export const MATVEC_MAX_ROWS = 8;

export function matmul(
  rt: GpuRuntime,
  A: GPUBuffer,
  B: GPUBuffer,
  C: GPUBuffer,
  shape: MatmulShape,
  label = 'matmul',
): Promise<Launch> {
  const s = resolved(shape);
  if (s.M <= MATVEC_MAX_ROWS && s.transB && !s.transA && !shape.tile) {
    return rt.launch({
      shader: 'matvec',
      label: `${label} ${s.M}x${s.N}x${s.K} matvec`,
      constants: { ACCUMULATE: s.accumulate },
      params: matmulParams(s),
      buffers: [A, B, C],
      workgroups: grid1d(Math.ceil(s.N / 8)),
    });
  }
  const tile = matmulTile(s);
  return rt.launch({
    shader: tile === 128 ? 'matmul_large' : 'matmul',
    label: matmulLabel(label, s),
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, ACCUMULATE: s.accumulate },
    params: matmulParams(s),
    buffers: [A, B, C],
    workgroups: [Math.ceil(s.N / tile), Math.ceil(s.M / tile)],
  });
}

/** Output tiles of the 64×64 kernel below which a long K is split (about 2 per multiprocessor). */
const SPLIT_TARGET_WORKGROUPS = 256;
/** The least K each split keeps, so a slice is worth its partial product. */
const SPLIT_MIN_K = 256;

/** How many slices to cut K into: 1 unless few output tiles would leave the GPU mostly idle. */
export function splitKFactor(shape: MatmulShape): number {
  const tiles = Math.ceil(shape.M / 64) * Math.ceil(shape.N / 64);
  const byTiles = Math.ceil(SPLIT_TARGET_WORKGROUPS / tiles);
  return Math.max(1, Math.min(byTiles, Math.floor(shape.K / SPLIT_MIN_K), 64));
}

/** Floats of the partial products a split-K matmul of this shape needs (0 when it is not split). */
export function splitKScratchFloats(shape: MatmulShape): number {
  const S = shape.splitK ?? splitKFactor(shape);
  return S > 1 ? S * shape.M * shape.N : 0;
}

/**
 * C (+)= alpha · op(A)·op(B) with K cut into S slices: the first launch writes S partial products
 * to `scratch` (one buffer can serve every split matmul of a model: they run one after another),
 * the second adds them into C. With S = 1 it is the plain matmul.
 */
export async function matmulSplitK(
  rt: GpuRuntime,
  A: GPUBuffer,
  B: GPUBuffer,
  C: GPUBuffer,
  scratch: GPUBuffer,
  shape: MatmulShape,
  label = 'matmul',
): Promise<Launch[]> {
  const S = shape.splitK ?? splitKFactor(shape);
  if (S <= 1) return [await matmul(rt, A, B, C, shape, label)];
  const s = resolved(shape);
  const kChunk = Math.ceil(s.K / S / 16) * 16;
  const slices = Math.ceil(s.K / kChunk);
  const partial = await rt.launch({
    shader: 'matmul',
    label: `${matmulLabel(label, { ...s, tile: 64 })} split${slices}`,
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, ACCUMULATE: false },
    params: matmulParams({ ...s, ldc: s.N, offC: 0, alpha: 1 }, kChunk, s.M * s.N),
    buffers: [A, B, scratch],
    workgroups: [Math.ceil(s.N / 64), Math.ceil(s.M / 64), slices],
  });
  const reduce = await rt.launch({
    shader: 'matmul_split_reduce',
    label: `${label} split-reduce ${s.M}x${s.N}`,
    constants: { ACCUMULATE: s.accumulate },
    params: [u32(s.M), u32(s.N), u32(slices), u32(s.ldc), u32(s.offC), f32(s.alpha)],
    buffers: [scratch, C],
    workgroups: grid1d(Math.ceil((s.M * s.N) / 256)),
  });
  return [partial, reduce];
}

/** CPU reference, accumulating in float64. */
export function matmulReference(
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  C: Float32Array | Float64Array,
  shape: MatmulShape,
): void {
  const s = resolved(shape);
  for (let m = 0; m < s.M; m++) {
    for (let n = 0; n < s.N; n++) {
      let acc = 0;
      for (let k = 0; k < s.K; k++) {
        const a = s.transA ? A[s.offA + k * s.lda + m] : A[s.offA + m * s.lda + k];
        const b = s.transB ? B[s.offB + n * s.ldb + k] : B[s.offB + k * s.ldb + n];
        acc += a * b;
      }
      const idx = s.offC + m * s.ldc + n;
      C[idx] = s.alpha * acc + (s.accumulate ? C[idx] : 0);
    }
  }
}
