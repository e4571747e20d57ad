// The optimizer step on the GPU, with no readback: the global gradient norm, its clip scale and the
// norm of each part of the model (grad_norm, two passes into a small stats buffer), then AdamW (PyTorch's torch.optim.AdamW:
// decoupled weight decay, bias correction) reading the clip scale from that buffer. Weight decay
// applies per tensor through a segment table; AdamW zeroes each gradient after reading it
// (zeroGrad, default on), so no clearing pass is needed before the next accumulation.
import {
  type Binding,
  f32,
  type GpuRuntime,
  grid1d,
  type Launch,
  type Param,
  u32,
} from '../gpu/runtime';

const WG = 256;
/** Floats each AdamW workgroup updates: WG threads of one vec4 each (adamw.wgsl). */
const ADAMW_WG_FLOATS = WG * 4;
/** About this many partial sums: enough workgroups to fill a GPU, few enough for one to sum. */
const MAX_PARTIALS = 1024;

/** Floats of the norm statistics of a gradient in `parts` parts: [norm, clipScale, each part's]. */
export function gradNormStatsFloats(parts: number): number {
  return 2 + parts;
}

/**
 * grad_norm.wgsl's tables for n gradients split into parts at `parts` (each part's first float,
 * ascending, the first 0): `chunks`, the bounds of each partial sum's elements (chunks of equal
 * length that end early at a part's end, so none straddles two parts), and `partChunks`, the
 * bounds of each part's chunks.
 */
export function gradNormTables(
  n: number,
  parts: readonly number[] = [0],
): { chunks: Uint32Array; partChunks: Uint32Array } {
  if (n < 1) throw new Error('the gradient norm needs at least one gradient');
  if (parts[0] !== 0 || parts.some((s, g) => g > 0 && s <= parts[g - 1]) || parts.at(-1)! >= n) {
    throw new Error(`gradient parts must start at 0 and increase below ${n}: ${parts.join(', ')}`);
  }
  const chunk = Math.ceil(Math.ceil(n / MAX_PARTIALS) / WG) * WG;
  const chunks = [0];
  const partChunks = [0];
  parts.forEach((start, g) => {
    const end = g + 1 < parts.length ? parts[g + 1] : n;
    for (let at = start + chunk; at < end; at += chunk) chunks.push(at);
    chunks.push(end);
    partChunks.push(chunks.length - 1);
  });
  return { chunks: Uint32Array.from(chunks), partChunks: Uint32Array.from(partChunks) };
}

/** Floats of the partial-sum scratch that gradNorm needs for n gradients in these parts. */
export function gradNormPartials(n: number, parts?: readonly number[]): number {
  return gradNormTables(n, parts).chunks.length - 1;
}

/**
 * [partial, finalize]: stats = [‖grads‖₂, min(1, maxNorm/(norm + 1e-6)), ‖part g‖₂ for each g];
 * maxNorm ≤ 0 gives clip scale 1 (no clipping). `partials` holds gradNormPartials(n, parts)
 * floats, `stats` gradNormStatsFloats(parts.length); parts as gradNormTables takes them.
 */
export function gradNorm(
  rt: GpuRuntime,
  grads: Binding,
  partials: Binding,
  stats: Binding,
  shape: { n: number; maxNorm: number; parts?: readonly number[] },
): Promise<Launch[]> {
  const parts = shape.parts ?? [0];
  const { chunks, partChunks } = gradNormTables(shape.n, parts);
  return Promise.all([
    rt.launch({
      shader: 'grad_norm',
      entry: 'partial',
      label: 'grad_norm.partial',
      params: [u32(chunks.length - 1), f32(shape.maxNorm)],
      buffers: [grads, partials, rt.bufferFrom('gradNorm.chunks', chunks)],
      workgroups: [chunks.length - 1],
    }),
    rt.launch({
      shader: 'grad_norm',
      entry: 'finalize',
      label: 'grad_norm.finalize',
      params: [u32(parts.length), f32(shape.maxNorm)],
      buffers: [partials, stats, rt.bufferFrom('gradNorm.parts', partChunks)],
      workgroups: [1],
    }),
  ]);
}

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The spec's training defaults; lr comes from the schedule each step. */
export const ADAMW_DEFAULTS: Omit<AdamWHyper, 'lr'> = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
};

/** A tensor's first element in the flat parameter buffer and whether it takes weight decay. */
export interface DecaySegment {
  start: number;
  decay: boolean;
}

/** The kernel's segment table: u32 pairs [start, decay] sorted by start. */
export function decaySegmentTable(segments: DecaySegment[]): Uint32Array {
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  const table = new Uint32Array(2 * sorted.length);
  sorted.forEach((s, k) => {
    if (k > 0 && s.start === sorted[k - 1].start) {
      throw new Error(`two weight-decay segments start at ${s.start}`);
    }
    table[2 * k] = s.start;
    table[2 * k + 1] = s.decay ? 1 : 0;
  });
  return table;
}

export interface AdamWShape {
  n: number;
  /** decaySegmentTable(...) or decaySegments(layout); the launch uploads it. */
  segments: Uint32Array;
  /** Zero each gradient after the update (default true). */
  zeroGrad?: boolean;
}

export interface AdamWBuffers {
  params: Binding;
  grads: Binding;
  m: Binding;
  v: Binding;
  /** gradNorm's stats; element 1, the clip scale, multiplies every gradient. */
  normStats: Binding;
}

/**
 * adamw.wgsl's per-workgroup table: for each workgroup, the index of the last segment starting at
 * or before its first element, or -1. Throws unless n and every start are multiples of 4 (the
 * kernel moves vec4s, each of which must lie in one segment) and the starts increase.
 */
export function adamwWorkgroupSegments(table: Uint32Array, n: number): Int32Array {
  if (n % 4 !== 0) throw new Error(`AdamW needs a multiple of 4 parameters, got ${n}`);
  const numSegments = table.length / 2;
  for (let k = 0; k < numSegments; k++) {
    const start = table[2 * k];
    if (start % 4 !== 0) {
      throw new Error(`AdamW: weight-decay segment ${k} starts at ${start}, not a multiple of 4`);
    }
    if (k > 0 && start <= table[2 * k - 2]) {
      throw new Error(`AdamW: weight-decay segment starts must increase (${k}: ${start})`);
    }
  }
  const out = new Int32Array(Math.max(1, Math.ceil(n / ADAMW_WG_FLOATS)));
  let seg = -1;
  for (let w = 0; w < out.length; w++) {
    while (seg + 1 < numSegments && table[2 * (seg + 1)] <= w * ADAMW_WG_FLOATS) seg++;
    out[w] = seg;
  }
  return out;
}

/**
 * AdamW's scalars for step t (1-based): the bias corrections 1 − β^t are computed here in float64.
 * Rewrite each step with rt.setParams(launch, adamwParams(...)).
 */
export function adamwParams(shape: AdamWShape, hyper: AdamWHyper, step: number): Param[] {
  return [
    u32(shape.n),
    u32(shape.segments.length / 2),
    f32(hyper.lr),
    f32(hyper.beta1),
    f32(hyper.beta2),
    f32(hyper.eps),
    f32(hyper.weightDecay),
    f32(1 - hyper.beta1 ** step),
    f32(1 - hyper.beta2 ** step),
  ];
}

/** Uploads the segment table and its per-workgroup index (adamwWorkgroupSegments) once. */
export function adamw(
  rt: GpuRuntime,
  b: AdamWBuffers,
  shape: AdamWShape,
  hyper: AdamWHyper,
  step = 1,
): Promise<Launch> {
  const wgSegment = adamwWorkgroupSegments(shape.segments, shape.n);
  return rt.launch({
    shader: 'adamw',
    label: 'adamw',
    constants: { ZERO_GRAD: shape.zeroGrad ?? true },
    params: adamwParams(shape, hyper, step),
    buffers: [
      b.params,
      b.grads,
      b.m,
      b.v,
      rt.bufferFrom('adamw.segments', shape.segments),
      rt.bufferFrom('adamw.wgSegment', wgSegment),
      b.normStats,
    ],
    workgroups: grid1d(Math.ceil(shape.n / ADAMW_WG_FLOATS)),
  });
}

/** CPU reference of the norm, its clip scale and the norm of each part (as gradNorm takes them). */
export function gradNormReference(
  grads: ArrayLike<number>,
  maxNorm: number,
  parts: readonly number[] = [0],
): { norm: number; clipScale: number; partNorms: number[] } {
  const squares = parts.map((start, g) => {
    const end = g + 1 < parts.length ? parts[g + 1] : grads.length;
    let s = 0;
    for (let i = start; i < end; i++) s += grads[i] * grads[i];
    return s;
  });
  const norm = Math.sqrt(squares.reduce((a, b) => a + b, 0));
  return {
    norm,
    clipScale: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1,
    partNorms: squares.map(Math.sqrt),
  };
}

/** Per-element decay flags of a segment table (the last segment starting at or before i). */
export function decayMask(table: Uint32Array, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let k = 0; k < table.length / 2; k++) {
    const end = k + 1 < table.length / 2 ? table[2 * k + 2] : n;
    mask.fill(table[2 * k + 1], table[2 * k], end);
  }
  return mask;
}

export interface AdamWState {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** CPU reference of one step of torch.optim.AdamW (float64), updating `state` in place. */
export function adamwReference(
  state: AdamWState,
  grads: ArrayLike<number>,
  decay: Uint8Array,
  hyper: AdamWHyper,
  step: number,
  clipScale: number,
): void {
  const { lr, beta1, beta2, eps, weightDecay } = hyper;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < state.params.length; i++) {
    const g = grads[i] * clipScale;
    if (decay[i]) state.params[i] *= 1 - lr * weightDecay;
    state.m[i] = beta1 * state.m[i] + (1 - beta1) * g;
    state.v[i] = beta2 * state.v[i] + (1 - beta2) * g * g;
    state.params[i] -= (stepSize * state.m[i]) / (Math.sqrt(state.v[i]) / bc2Sqrt + eps);
  }
}
