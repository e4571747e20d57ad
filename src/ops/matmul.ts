// The matmul family: C (+)= alpha · op(A) · op(B) with op ∈ {identity, transpose}.
// Every projection of the model is one of these: forward y = x·Wᵀ (NT), input gradient
// dx = dy·W (NN), weight gradient dW += dyᵀ·x (TN, accumulating).
import { f32, type GpuRuntime, type Launch, u32 } from '../gpu/runtime';

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

export function matmul(
  rt: GpuRuntime,
  A: GPUBuffer,
  B: GPUBuffer,
  C: GPUBuffer,
  shape: MatmulShape,
  label = 'matmul',
): Promise<Launch> {
  const s = resolved(shape);
  return rt.launch({
    shader: 'matmul',
    label,
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, ACCUMULATE: s.accumulate },
    params: [
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
    ],
    buffers: [A, B, C],
    workgroups: [Math.ceil(s.N / 64), Math.ceil(s.M / 64)],
  });
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
