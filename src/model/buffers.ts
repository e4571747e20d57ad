// Every GPU buffer one training configuration needs, planned from the config, batch shape and
// activation mode and allocated once per run. The plan is also the memory estimate the UI shows
// before a run.
import { alignToBinding, type Binding, type GpuRuntime } from '../gpu/runtime';
import { softplusBiasPartialFloats } from '../ops/activations';
import { conv1dBackwardPartialFloats } from '../ops/conv1d';
import { LOSS_STATS_FLOATS, perRowFloats } from '../ops/crossEntropy';
import { type MatmulShape, partialFloats, splitKScratchFloats } from '../ops/matmul';
import { gradNormPartials, gradNormStatsFloats } from '../ops/optimizer';
import { rmsnormPartialFloats } from '../ops/rmsnorm';
import { selectiveScanBufferBytes } from '../ops/selectiveScan';
import type { I3Config } from './config';
import { gradientParts, parameterLayout } from './params';

/**
 * What the forward keeps for the backward. Both keep the residual stream and recompute each
 * half-block's activations in the backward; 'keep' also holds, per layer, the outputs of the two
 * costliest kernels of that recompute and its narrow projections (KeptName), so it skips them:
 * i3-22m at 16 × 256 steps in 137 instead of 155 ms on an H200 with the kernel outputs alone
 * (docs/performance.md, run G), 86.9 → 81.8 ms with the projections too (run R2), for 1,351 MiB
 * more in all. 'recompute' is for GPUs short of memory.
 */
export type ActivationMode = 'keep' | 'recompute';
export const ACTIVATION_MODES: readonly ActivationMode[] = ['keep', 'recompute'];
export const DEFAULT_ACTIVATIONS: ActivationMode = 'keep';

export interface BatchShape {
  /** Sequences per micro-batch. */
  B: number;
  /** Tokens per sequence. */
  T: number;
}

/** Activation scratch shared by all blocks (each block is recomputed in the backward; 'keep'
 * gives every layer after the first its own y and a, see keptFloats). */
const ACTIVATIONS = {
  // width D
  xn: 'D',
  u0: 'D',
  z: 'D',
  uc: 'D',
  u: 'D',
  delta: 'D',
  y: 'D',
  g: 'D',
  q: 'D',
  k: 'D',
  v: 'D',
  a: 'D',
  // width r: the SSM's in_proj.down and out_proj.down outputs, attention's latent and
  // out_proj.down output
  h1: 'r',
  o1: 'r',
  c: 'r',
  attnO1: 'r',
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
type ScratchName = ActivationName | GradientName;

/**
 * Scratch that one batched product writes or reads whole (MatmulBatch), or one kernel through one
 * binding: its members, all of one width, lie one after another in one buffer, at a stride of
 * groupStride floats. q, k, v come from the latent in one launch, u0 and z from h1 in another, Bt
 * and Ct from u (x_proj's last two row blocks) in a third; the input and weight gradients read dq,
 * dk, dv, du0, dz and dBt, dCt the same way. The scan's backward writes du and dΔ, and dBt and dCt,
 * a pair a binding (it has 8).
 */
export const GROUPS = {
  qkv: ['q', 'k', 'v'],
  uz: ['u0', 'z'],
  bc: ['Bt', 'Ct'],
  dqkv: ['dq', 'dk', 'dv'],
  duz: ['du0', 'dz'],
  dbc: ['dBt', 'dCt'],
  dudelta: ['du', 'ddelta'],
} as const satisfies Record<string, readonly ScratchName[]>;
export type GroupName = keyof typeof GROUPS;
const grouped = new Set<ScratchName>(Object.values(GROUPS).flat());

const WIDTHS: Record<ScratchName, Width> = { ...ACTIVATIONS, ...GRADIENTS };
type Width = 'D' | 'r' | 'R' | 'N' | '1';

function width(c: I3Config, w: Width): number {
  return { D: c.d_model, r: c.rank, R: c.dt_rank, N: c.d_state, '1': 1 }[w];
}

/** A group member's slot: rows × its width, rounded up to WebGPU's default storage-binding offset
 * alignment (256 bytes), so that each member also binds on its own. */
function groupStride(c: I3Config, s: BatchShape, group: GroupName): number {
  return alignToBinding(s.B * s.T * width(c, WIDTHS[GROUPS[group][0]]));
}

/** Each member of a group as a view of the group's buffer. */
function groupViews(
  c: I3Config,
  s: BatchShape,
  group: GroupName,
  buffer: GPUBuffer,
): Partial<Record<ScratchName, Binding>> {
  const stride = groupStride(c, s, group);
  const size = s.B * s.T * width(c, WIDTHS[GROUPS[group][0]]) * 4;
  return Object.fromEntries(
    GROUPS[group].map((name, i) => [name, { buffer, offset: i * stride * 4, size }]),
  );
}

/**
 * What 'keep' holds per layer, all of it what the backward's recompute would otherwise compute
 * again: the outputs of its two costliest kernels (the scan's y and chunk states, attention's a
 * and lse), the narrow products (width r, R or N: a quarter of a D-wide activation or less)
 * of the half-blocks' first and last projections (h1, c, both o1, δ, Bt, Ct), and Δ, whose
 * product has the smallest K of the model's (R = 32), so that its time is almost all launch and
 * latency: keeping it takes 24 launches out of i3-22m's step (0.5 ms on an H200, run AF) for
 * 192 MiB.
 */
export type KeptName =
  | 'y'
  | 'a'
  | 'delta'
  | 'lse'
  | 'scanStates'
  | 'h1'
  | 'o1'
  | 'c'
  | 'attnO1'
  | 'dl'
  | 'bc';
export type KeptOutputs = Record<KeptName, GPUBuffer>;

/** Floats of the kernel outputs that 'keep' holds for each layer (one set is shared otherwise). */
export function keptFloats(c: I3Config, s: BatchShape): Record<KeptName, number> {
  const rows = s.B * s.T;
  return {
    y: rows * c.d_model,
    a: rows * c.d_model,
    delta: rows * c.d_model,
    lse: s.B * c.n_heads * s.T,
    scanStates: selectiveScanBufferBytes(scanShape(c, s)).states / 4,
    h1: rows * c.rank,
    o1: rows * c.rank,
    c: rows * c.rank,
    attnO1: rows * c.rank,
    dl: rows * c.dt_rank,
    bc: GROUPS.bc.length * groupStride(c, s, 'bc'),
  };
}

/** Floats of each buffer allocateScratch makes: the tensors outside groups, and each group whole. */
export function scratchPlan(c: I3Config, s: BatchShape): Record<string, number> {
  const plan: Record<string, number> = {};
  for (const [name, w] of Object.entries(WIDTHS) as [ScratchName, Width][]) {
    if (!grouped.has(name)) plan[name] = s.B * s.T * width(c, w);
  }
  for (const [group, members] of Object.entries(GROUPS) as [GroupName, readonly string[]][]) {
    plan[group] = members.length * groupStride(c, s, group);
  }
  return plan;
}

/** Floats of every buffer, by name: the single source for allocation and the estimate. */
export function bufferPlan(
  c: I3Config,
  s: BatchShape,
  activations: ActivationMode = DEFAULT_ACTIVATIONS,
  scanWorkgroupBytes?: number,
): Record<string, number> {
  const rows = s.B * s.T;
  const L = c.n_layers;
  const params = parameterLayout(c).totalFloats;
  const parts = gradientParts(c).map((p) => p.start);
  const plan: Record<string, number> = {
    params,
    grads: params,
    adamM: params,
    adamV: params,
    // Block inputs and midpoints, kept from the forward for the backward's recomputation.
    residual: (2 * L + 1) * rows * c.d_model,
    xFinal: rows * c.d_model,
    rstdFinal: rows,
    logits: rows * c.vocab_size,
    cePerRow: perRowFloats(rows),
    scanScratch: selectiveScanBufferBytes(scanShape(c, s, scanWorkgroupBytes)).scratch / 4,
    // The partial sums of every gradient reduced over rows (conv weight and bias, the dt bias, the
    // norms' weights): one scratch for all, as the backwards run one after another.
    partialSums: partialSumsFloats(c, rows),
    attnDelta: L * s.B * c.n_heads * s.T,
    gradNormPartials: gradNormPartials(params, parts),
    stats: LOSS_STATS_FLOATS + gradNormStatsFloats(parts.length),
    splitScratch: splitScratchFloats(c, rows),
    weightGradScratch: Math.max(
      ...Object.values(weightGradShapes(c, rows)).map((shapes) =>
        shapes.reduce((n, shape) => n + partialFloats(shape), 0),
      ),
    ),
    tokens: 4 * rows + c.vocab_size + 1,
  };
  Object.assign(plan, scratchPlan(c, s));
  const sets = activations === 'keep' ? L : 1;
  for (const [name, floats] of Object.entries(keptFloats(c, s))) plan[name] = sets * floats;
  return plan;
}

/** The largest partial sums of any reduction over rows in the backward (BlockContext.partials). */
function partialSumsFloats(c: I3Config, rows: number): number {
  const D = c.d_model;
  return Math.max(
    conv1dBackwardPartialFloats({ rows, D, K: c.d_conv }),
    softplusBiasPartialFloats({ rows, D }),
    rmsnormPartialFloats({ rows, D }),
  );
}

/**
 * The weight-gradient products of each half-block (WeightGrads in blocks.ts), whose partial sums
 * lie side by side until the half's one reduction launch: dW = dyᵀ·x of shape (out, in), K rows.
 */
export function weightGradShapes(c: I3Config, rows: number): Record<'ssm' | 'attn', MatmulShape[]> {
  const { d_model: D, rank: r, dt_rank: R, d_state: N } = c;
  const dW = (outF: number, inF: number, count = 1): MatmulShape => ({
    M: outF,
    N: inF,
    K: rows,
    transA: true,
    batch: count > 1 ? { count, strideA: 0, strideB: 0 } : undefined,
  });
  const outProj = [dW(D, r), dW(r, D)];
  return {
    // dt_proj, x_proj's δ rows, its Bt and Ct rows (a batch), in_proj.up's u and z rows (a
    // batch), in_proj.down
    ssm: [...outProj, dW(D, R), dW(R, D), dW(N, D, 2), dW(D, r, 2), dW(r, D)],
    // q, k and v (a batch), the latent
    attn: [...outProj, dW(D, r, 3), dW(r, D)],
  };
}

/**
 * The largest partial-product buffer any split-K product through the shared scratch needs: a
 * linear map's forward and input gradient (its weight gradient goes through the half-block's own
 * scratch, weightGradShapes), and the tied head's two backward products.
 */
function splitScratchFloats(c: I3Config, rows: number): number {
  const { d_model: D, rank: r, dt_rank: R, d_state: N } = c;
  const maps = [
    [D, r],
    [r, D],
    [D, R],
    [D, N],
    [R, D],
  ];
  const shapes: MatmulShape[] = maps.flatMap(([inF, outF]) => [
    { M: rows, N: outF, K: inF },
    { M: rows, N: inF, K: outF },
  ]);
  // The batched maps (GROUPS): x_proj's Bt and Ct rows (a split forward), the summed input
  // gradients of in_proj.up's u and z rows and of q, k and v.
  const batch = (count: number, sum = false) => ({ count, strideA: 0, strideB: 0, sum });
  shapes.push({ M: rows, N: N, K: D, batch: batch(2) });
  for (const count of [2, 3]) shapes.push({ M: rows, N: r, K: D, batch: batch(count, true) });
  // The tied head's two backward products (its forward is never split).
  const V = c.vocab_size;
  shapes.push({ M: rows, N: D, K: V }, { M: V, N: D, K: rows });
  return Math.max(...shapes.map(splitKScratchFloats));
}

/**
 * The scan's shape for a micro-batch; `workgroupBytes` is the device's budget
 * (scanWorkgroupBytes), which decides the backward's workgroups and so its scratch.
 */
export function scanShape(c: I3Config, s: BatchShape, workgroupBytes?: number) {
  return { B: s.B, T: s.T, D: c.d_model, N: c.d_state, chunk: 16, workgroupBytes };
}

/** Bytes as whole MiB, rounded up, for messages: "1,280 MiB". */
export const mib = (bytes: number) => `${Math.ceil(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;

/**
 * Why a run of this config, micro-batch and activation mode cannot make its buffers on a device
 * whose largest buffer is `maxBufferSize` bytes (its largest buffer is over it), or undefined.
 */
export function bufferTooLarge(
  c: I3Config,
  s: BatchShape,
  activations: ActivationMode,
  maxBufferSize: number,
): string | undefined {
  const [name, floats] = Object.entries(bufferPlan(c, s, activations)).reduce((a, b) =>
    b[1] > a[1] ? b : a,
  );
  if (floats * 4 <= maxBufferSize) return undefined;
  // 'keep' holds every layer's outputs in one buffer each: 'recompute' may fit where it does not.
  const recompute =
    activations === 'keep' && !bufferTooLarge(c, s, 'recompute', maxBufferSize)
      ? "set activations to 'recompute', or "
      : '';
  return (
    `At batch ${s.B} × ${s.T} this model needs a ${mib(floats * 4)} buffer (${name}), and this ` +
    `GPU makes buffers of at most ${mib(maxBufferSize)}: ${recompute}lower the batch ` +
    '(gradient accumulation keeps the tokens per step) or the context.'
  );
}

/** The GPU memory a run of this config, micro-batch and activation mode needs, in bytes. */
export function estimateGpuBytes(
  c: I3Config,
  s: BatchShape,
  activations: ActivationMode = DEFAULT_ACTIVATIONS,
): number {
  return Object.values(bufferPlan(c, s, activations)).reduce((a, b) => a + b, 0) * 4;
}

/** A scratch group whole: its buffer and its members' stride in floats. */
export interface ScratchGroup {
  buffer: GPUBuffer;
  stride: number;
}

/** Every scratch tensor as a binding (a group's members as views of their group's buffer), the
 * groups whole, and every buffer made (for an owner to free). Launches built for fewer rows than
 * allocated (generation's prefill of a short prompt) still find each member at the group's
 * stride. */
export type ScratchBuffers = Record<ScratchName, Binding> & {
  groups: Record<GroupName, ScratchGroup>;
  buffers: GPUBuffer[];
};

export function allocateScratch(rt: GpuRuntime, c: I3Config, s: BatchShape): ScratchBuffers {
  const out: Partial<Record<ScratchName, Binding>> = {};
  const buffers: GPUBuffer[] = [];
  const make = (label: string, bytes: number) => {
    const buffer = rt.buffer(label, bytes);
    buffers.push(buffer);
    return buffer;
  };
  const plan = scratchPlan(c, s);
  for (const name of Object.keys(WIDTHS) as ScratchName[]) {
    if (!grouped.has(name)) out[name] = make(name, plan[name] * 4);
  }
  const groups = {} as Record<GroupName, ScratchGroup>;
  for (const group of Object.keys(GROUPS) as GroupName[]) {
    const stride = groupStride(c, s, group);
    const buffer = make(group, plan[group] * 4);
    groups[group] = { buffer, stride };
    Object.assign(out, groupViews(c, s, group, buffer));
  }
  return { ...(out as Record<ScratchName, Binding>), groups, buffers };
}

/** One set of the kernel outputs that 'keep' holds per layer, labelled with `suffix`. */
export function allocateKept(
  rt: GpuRuntime,
  c: I3Config,
  s: BatchShape,
  suffix: string,
): KeptOutputs {
  const f = keptFloats(c, s);
  const names = Object.keys(f) as KeptName[];
  return Object.fromEntries(
    names.map((name) => [name, rt.buffer(`${name}${suffix}`, f[name] * 4)]),
  ) as KeptOutputs;
}

/**
 * A layer's scratch with its own kept outputs in place of the shared ones (a kept group, bc, as
 * both its members' views and the group).
 */
export function withKept(
  c: I3Config,
  s: BatchShape,
  scratch: ScratchBuffers,
  own: Omit<KeptOutputs, 'lse' | 'scanStates'>,
): ScratchBuffers {
  const { bc, ...activations } = own;
  return {
    ...scratch,
    ...activations,
    ...groupViews(c, s, 'bc', bc),
    groups: { ...scratch.groups, bc: { buffer: bc, stride: groupStride(c, s, 'bc') } },
  };
}
