// Every GPU buffer one training configuration needs, planned from the config and batch shape and
// allocated once per run. The plan is also the memory estimate the UI shows before a run.
import type { GpuRuntime } from '../gpu/runtime';
import { LOSS_STATS_FLOATS, perRowFloats } from '../ops/crossEntropy';
import { splitKScratchFloats } from '../ops/matmul';
import { GRAD_NORM_STATS_FLOATS, gradNormPartials } from '../ops/optimizer';
import { ROWS_PER_GROUP } from '../ops/residual';
import { selectiveScanBufferBytes } from '../ops/selectiveScan';
import type { I3Config } from './config';
import { parameterLayout } from './params';

export interface BatchShape {
  /** Sequences per micro-batch. */
  B: number;
  /** Tokens per sequence. */
  T: number;
}

/** Activation scratch shared by all blocks (each block is recomputed in the backward). */
const ACTIVATIONS = {
  // width D
  xn: 'D',
  u0: 'D',
  z: 'D',
  uc: 'D',
  u: 'D',
  dtpre: 'D',
  delta: 'D',
  y: 'D',
  g: 'D',
  q: 'D',
  k: 'D',
  v: 'D',
  a: 'D',
  // width r
  h1: 'r',
  o1: 'r',
  // width R, N
  dl: 'R',
  Bt: 'N',
  Ct: 'N',
  // one per row
  rstd: '1',
} as const;

/** Gradient scratch, same sharing. */
const GRADIENTS = {
  dx: 'D',
  dxTmp: 'D',
  dxn: 'D',
  du0: 'D',
  dz: 'D',
  duc: 'D',
  du: 'D',
  ddtpre: 'D',
  ddelta: 'D',
  dy: 'D',
  dg: 'D',
  dq: 'D',
  dk: 'D',
  dv: 'D',
  dh1: 'r',
  do1: 'r',
  ddl: 'R',
  dBt: 'N',
  dCt: 'N',
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;
export type GradientName = keyof typeof GRADIENTS;

function width(c: I3Config, w: 'D' | 'r' | 'R' | 'N' | '1'): number {
  return { D: c.d_model, r: c.rank, R: c.dt_rank, N: c.d_state, '1': 1 }[w];
}

/** Floats of every buffer, by name: the single source for allocation and the estimate. */
export function bufferPlan(c: I3Config, s: BatchShape): Record<string, number> {
  const rows = s.B * s.T;
  const params = parameterLayout(c).totalFloats;
  const plan: Record<string, number> = {
    params,
    grads: params,
    adamM: params,
    adamV: params,
    // Block inputs and midpoints, kept from the forward for the backward's recomputation.
    residual: (2 * c.n_layers + 1) * rows * c.d_model,
    xFinal: rows * c.d_model,
    rstdFinal: rows,
    logits: rows * c.vocab_size,
    cePerRow: perRowFloats(rows),
    lse: s.B * c.n_heads * s.T,
    scanStates: selectiveScanBufferBytes(scanShape(c, s)).states / 4,
    scanScratch: selectiveScanBufferBytes(scanShape(c, s)).scratch / 4,
    // Reductions over rows (norm weights, conv, dt bias) and attention's delta, allocated by ops.
    reductions: 4 * Math.ceil(rows / ROWS_PER_GROUP) * c.d_model * (c.d_conv + 1),
    attnDelta: s.B * c.n_heads * s.T,
    gradNormPartials: gradNormPartials(params),
    stats: LOSS_STATS_FLOATS + GRAD_NORM_STATS_FLOATS,
    splitScratch: splitScratchFloats(c, rows),
    tokens: 4 * rows + c.vocab_size + 1,
  };
  for (const [name, w] of Object.entries(ACTIVATIONS)) plan[name] = rows * width(c, w);
  for (const [name, w] of Object.entries(GRADIENTS)) plan[name] = rows * width(c, w);
  return plan;
}

/** The largest partial-product buffer any split-K product of a linear map (forward, input
 * gradient, weight gradient) needs. */
function splitScratchFloats(c: I3Config, rows: number): number {
  const { d_model: D, rank: r, dt_rank: R, d_state: N } = c;
  const maps = [
    [D, r],
    [r, D],
    [D, R],
    [D, N],
    [R, D],
  ];
  const shapes = maps.flatMap(([inF, outF]) => [
    { M: rows, N: outF, K: inF },
    { M: rows, N: inF, K: outF },
    { M: outF, N: inF, K: rows },
  ]);
  return Math.max(...shapes.map(splitKScratchFloats));
}

export function scanShape(c: I3Config, s: BatchShape) {
  return { B: s.B, T: s.T, D: c.d_model, N: c.d_state, chunk: 16 };
}

/** The GPU memory a run of this config and micro-batch needs, in bytes. */
export function estimateGpuBytes(c: I3Config, s: BatchShape): number {
  return Object.values(bufferPlan(c, s)).reduce((a, b) => a + b, 0) * 4;
}

export type ScratchBuffers = Record<ActivationName | GradientName, GPUBuffer>;

export function allocateScratch(rt: GpuRuntime, c: I3Config, s: BatchShape): ScratchBuffers {
  const plan = bufferPlan(c, s);
  const out: Partial<ScratchBuffers> = {};
  for (const name of [...Object.keys(ACTIVATIONS), ...Object.keys(GRADIENTS)] as (
    | ActivationName
    | GradientName
  )[]) {
    out[name] = rt.buffer(name, plan[name] * 4);
  }
  return out as ScratchBuffers;
}
