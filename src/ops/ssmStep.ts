// The SSM's one-token decode step after in_proj (spec: Generation), as two fused launches:
//   1. x_proj with the conv in front: [δ | Bt | Ct] = silu(conv step of u0) · Wxᵀ
//      (conv_silu_matvec.wgsl; the conv state is only read),
//   2. the rest, 32 lanes per channel: the same u, the conv state's advance, Δ = softplus(δ·Wdtᵀ
//      + bdt), the scan's state update and output, and the gate g = y ⊙ silu(z)
//      (selective_scan_step.wgsl).
// Fusing these saves seven launches per block and token against the op-by-op path (conv, three
// x_proj rows, dt_proj, softplus, scan, gate). Weights are read from the flat parameter buffer at
// the offsets given. A set halt flag (sample.wgsl) keeps both states as they were.
import { type Binding, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';
import { gateForwardReference, softplus } from './activations';
import { conv1dStepReference } from './conv1dStep';
import { MATVEC_MAX_ROWS, matmulReference } from './matmul';
import { selectiveScanReference } from './selectiveScan';

export interface SsmStepShape {
  /** Sequences stepped together (at most MATVEC_MAX_ROWS). */
  B: number;
  D: number;
  N: number;
  /** dt_rank */
  R: number;
  /** Conv width. */
  K: number;
}

/** Floats into the parameter buffer of one block's SSM step weights. */
export interface SsmStepWeights {
  convW: number;
  convB: number;
  /** x_proj (R + 2N, D): rows δ, then Bt, then Ct. */
  xProj: number;
  dtW: number;
  dtB: number;
  ALog: number;
  Dskip: number;
}

export interface SsmStepBuffers {
  params: Binding;
  /** (B, 2D): in_proj's output [u0 | z]. */
  uz: Binding;
  /** (B, R + 2N): x_proj's output, overwritten. */
  dbc: Binding;
  /** (B, K-1, D), advanced. */
  convState: Binding;
  /** (B, D, N), advanced. */
  h: Binding;
  /** (B, D): the gated output, overwritten. */
  g: Binding;
  /** u32 (sample.wgsl). */
  halt: Binding;
}

/** [x_proj with the conv, the scan step with dt_proj and the gate]. */
export async function ssmStep(
  rt: GpuRuntime,
  io: SsmStepBuffers,
  s: SsmStepShape,
  w: SsmStepWeights,
  label = 'ssm.step',
): Promise<Launch[]> {
  if (s.B > MATVEC_MAX_ROWS) throw new Error(`ssm step: ${s.B} sequences > ${MATVEC_MAX_ROWS}`);
  if (s.D > 1024) throw new Error(`ssm step: D ${s.D} > 1024 (MAX_D of conv_silu_matvec.wgsl)`);
  const xOut = s.R + 2 * s.N;
  return Promise.all([
    rt.launch({
      shader: 'conv_silu_matvec',
      label: `${label}.x_proj ${s.B}x${xOut}x${s.D}`,
      params: [
        u32(s.B),
        u32(xOut),
        u32(s.D),
        u32(s.K),
        u32(w.xProj),
        u32(w.convW),
        u32(w.convB),
        u32(2 * s.D),
      ],
      buffers: [io.uz, io.params, io.convState, io.dbc],
      workgroups: grid1d(Math.ceil(xOut / 8)),
    }),
    rt.launch({
      shader: 'selective_scan_step',
      label: `${label}.scan`,
      params: [
        u32(s.B),
        u32(s.D),
        u32(s.N),
        u32(s.R),
        u32(s.K),
        u32(2 * s.D),
        u32(xOut),
        u32(w.convW),
        u32(w.convB),
        u32(w.dtW),
        u32(w.dtB),
        u32(w.ALog),
        u32(w.Dskip),
      ],
      buffers: [io.params, io.uz, io.dbc, io.convState, io.h, io.g, io.halt],
      workgroups: grid1d(Math.ceil((s.B * s.D) / 8)),
    }),
  ]);
}

/** CPU reference (float64) of one step: the outputs and the advanced states (new arrays). */
export function ssmStepReference(
  params: ArrayLike<number>,
  w: SsmStepWeights,
  uz: ArrayLike<number>,
  convState: ArrayLike<number>,
  h: ArrayLike<number>,
  s: SsmStepShape,
): { dbc: Float64Array; g: Float64Array; convState: Float64Array; h: Float64Array } {
  const { B, D, N, R, K } = s;
  const slice = (off: number, n: number) => Array.from({ length: n }, (_, i) => params[off + i]);
  const u0 = new Float64Array(B * D);
  const z = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < D; c++) {
      u0[b * D + c] = uz[b * 2 * D + c];
      z[b * D + c] = uz[b * 2 * D + D + c];
    }
  }
  const conv = conv1dStepReference(u0, slice(w.convW, D * K), slice(w.convB, D), convState, {
    B,
    D,
    K,
  });
  const u = conv.y;
  const xOut = R + 2 * N;
  const dbc = new Float64Array(B * xOut);
  matmulReference(u, params, dbc, { M: B, N: xOut, K: D, transB: true, offB: w.xProj });
  const delta = new Float64Array(B * D);
  const Bt = new Float64Array(B * N);
  const Ct = new Float64Array(B * N);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < D; c++) {
      let pre = params[w.dtB + c];
      for (let r = 0; r < R; r++) pre += dbc[b * xOut + r] * params[w.dtW + c * R + r];
      delta[b * D + c] = softplus(pre);
    }
    for (let n = 0; n < N; n++) {
      Bt[b * N + n] = dbc[b * xOut + R + n];
      Ct[b * N + n] = dbc[b * xOut + R + N + n];
    }
  }
  const scan = selectiveScanReference(
    { u, delta, Bt, Ct, ALog: slice(w.ALog, D * N), Dskip: slice(w.Dskip, D) },
    { B, T: 1, D, N },
    h,
  );
  return { dbc, g: gateForwardReference(scan.y, z), convState: conv.state, h: scan.h };
}
