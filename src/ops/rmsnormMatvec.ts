// A pre-norm projection for a few rows (generation's one-token steps): out = (RMSNorm(x) ⊙ w) · Wᵀ
// in one launch (shaders/rmsnorm_matvec.wgsl), optionally also storing the output in a ring of
// cached rows (the attention's latent cache) at the slot the decode cursor names.
import { type Binding, f32, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';
import { MATVEC_MAX_ROWS, matmulReference } from './matmul';
import { rmsnormForwardReference } from './rmsnorm';

export interface RmsnormMatvecShape {
  /** Rows of x (at most MATVEC_MAX_ROWS). */
  M: number;
  /** Outputs per row. */
  N: number;
  /** Features of x. */
  K: number;
  /** Floats into `params` of W (N, K) and of the norm weight w (K). */
  offW: number;
  offNorm: number;
  eps: number;
  /** Floats per row's ring (slots × N); with it, the launch also stores into `ring`. */
  ringStride?: number;
}

export interface RmsnormMatvecBuffers {
  x: Binding;
  /** The flat parameter buffer holding W and w. */
  params: Binding;
  /** (M, N), overwritten */
  out: Binding;
  /** (M, slots, N): row m's output goes to slot cursor[0] unless halt[0] is set. */
  ring: Binding;
  /** u32 [slot, len, start]: the decode cursor (attention_decode.wgsl reads len and start). */
  cursor: Binding;
  /** u32: set by the sampler once a stop token is drawn (sample.wgsl). */
  halt: Binding;
}

export function rmsnormMatvec(
  rt: GpuRuntime,
  io: RmsnormMatvecBuffers,
  s: RmsnormMatvecShape,
  label = 'rmsnorm_matvec',
): Promise<Launch> {
  if (s.M > MATVEC_MAX_ROWS) throw new Error(`rmsnorm_matvec: ${s.M} rows > ${MATVEC_MAX_ROWS}`);
  return rt.launch({
    shader: 'rmsnorm_matvec',
    label: `${label} ${s.M}x${s.N}x${s.K}`,
    constants: { RING: s.ringStride !== undefined },
    params: [
      u32(s.M),
      u32(s.N),
      u32(s.K),
      u32(s.offW),
      u32(s.offNorm),
      f32(s.eps),
      u32(s.ringStride ?? 0),
    ],
    buffers: [io.x, io.params, io.out, io.ring, io.cursor, io.halt],
    workgroups: grid1d(Math.ceil(s.N / 8)),
  });
}

/** CPU reference (float64): out (M, N) from x (M, K) and the weights in `params`. */
export function rmsnormMatvecReference(
  x: ArrayLike<number>,
  params: ArrayLike<number>,
  s: RmsnormMatvecShape,
): Float64Array {
  const w = Array.from({ length: s.K }, (_, k) => params[s.offNorm + k]);
  const { y } = rmsnormForwardReference(x, w, { rows: s.M, D: s.K, eps: s.eps });
  const out = new Float64Array(s.M * s.N);
  matmulReference(y, params, out, { M: s.M, N: s.N, K: s.K, transB: true, offB: s.offW });
  return out;
}
