// Causal multi-head softmax attention: a = softmax(q kᵀ / sqrt(dh) + causal mask) · v per sequence
// and head. q, k, v and out are (B·T, D) row-major (row = b·T + t), head h in columns
// h·dh .. (h+1)·dh with dh = D/H. The forward saves only the per-row log-sum-exp lse (B, H, T);
// the backward recomputes probabilities from it. Decoding attends one new query per sequence over
// the latent cache c (k = Wk c, v = Wv c) with the weights absorbed into q and the output.
import {
  type Binding,
  checkWorkgroup,
  f32,
  type GpuRuntime,
  type Launch,
  u32,
  workgroupLimits,
} from '../gpu/runtime';
import { matmulReference } from './matmul';

export interface AttentionShape {
  B: number;
  T: number;
  D: number;
  H: number;
}

/**
 * Tile shape of the three training kernels (attention_tiles.wgsl): each workgroup owns BQ rows
 * (query rows in the forward and dq passes, key rows in the dk/dv pass) with `split` threads per
 * row, and stages the other side's rows in tiles of BK (a multiple of 4: rows are walked four at
 * a time, shared out among a row's threads).
 */
export interface AttentionTiles {
  BQ: number;
  BK: number;
  split: number;
}

/** Head dims the kernels hold in registers (MAX_DH4 vec4s in attention_tiles.wgsl). */
export const MAX_HEAD_DIM = 128;

/** Bytes of workgroup memory a tile shape needs (the most of the three kernels). */
const workgroupBytes = (t: AttentionTiles, dh: number) =>
  4 * (Math.max(2 * t.BK, t.BQ) * dh + Math.max(t.BQ * t.split, 2 * t.BK));

/**
 * 64 rows of 2 threads per workgroup and tiles of 32 staged rows, smaller where the device's
 * workgroup memory needs it (head dims past 32 at WebGPU's default 16 KiB): first fewer rows, as
 * far as the combining of a row's parts needs, then the longest tile that fits. Two threads per
 * row took i3-22m's attention on an H200 from 0.469 to 0.437 ms a layer, forward and backward
 * (run R, against its "split 1" rows).
 */
export function attentionTiles(rt: Pick<GpuRuntime, 'info'>, s: AttentionShape): AttentionTiles {
  const maxBytes = workgroupLimits(rt).bytes;
  const dh = headDim(s);
  const t = { BQ: 64, BK: 32, split: 2 };
  while (t.BQ > 1 && workgroupBytes({ ...t, BK: 4 }, dh) > maxBytes) t.BQ /= 2;
  while (t.BK > 4 && workgroupBytes(t, dh) > maxBytes) t.BK -= 4;
  return t;
}

function headDim(s: AttentionShape): number {
  if (s.D % s.H !== 0) throw new Error(`attention: D ${s.D} is not divisible by H ${s.H}`);
  const dh = s.D / s.H;
  if (dh % 4 !== 0 || dh > MAX_HEAD_DIM) {
    throw new Error(
      `attention: head dim ${dh} must be a multiple of 4 and at most ${MAX_HEAD_DIM}`,
    );
  }
  return dh;
}

/** The pipeline constants of a tile shape, checked against the device. */
function tileConstants(rt: GpuRuntime, s: AttentionShape, tiles: AttentionTiles) {
  const DH = headDim(s);
  if (tiles.BK % 4 !== 0 || tiles.BK < 4) {
    throw new Error(`attention: BK ${tiles.BK} must be a positive multiple of 4`);
  }
  const threads = tiles.BQ * tiles.split;
  checkWorkgroup(rt, 'attention', threads, workgroupBytes(tiles, DH), 'use smaller tiles');
  return { BQ: tiles.BQ, BK: tiles.BK, SPLIT: tiles.split, DH };
}

const scaleOf = (s: AttentionShape) => 1 / Math.sqrt(headDim(s));

/** Forward: writes out (B·T, D) and lse (B, H, T). */
export async function attentionForward(
  rt: GpuRuntime,
  q: Binding,
  k: Binding,
  v: Binding,
  out: Binding,
  lse: Binding,
  shape: AttentionShape,
  tiles: AttentionTiles = attentionTiles(rt, shape),
): Promise<Launch> {
  const c = tileConstants(rt, shape, tiles);
  return rt.launch({
    shader: 'attention_forward',
    label: 'attention.forward',
    constants: c,
    params: [u32(shape.T), u32(shape.H), f32(scaleOf(shape))],
    buffers: [q, k, v, out, lse],
    workgroups: [Math.ceil(shape.T / c.BQ), shape.H, shape.B],
  });
}

/**
 * The attention map of one sequence (B = 1): out[outOffset + i·T + j] is the probability row i
 * gave key j ≤ i, averaged over the heads, from the forward's q, k and lse (zero for j > i).
 */
export function attentionMap(
  rt: GpuRuntime,
  q: Binding,
  k: Binding,
  lse: Binding,
  out: Binding,
  shape: Omit<AttentionShape, 'B'>,
  outOffset = 0,
): Promise<Launch> {
  return rt.launch({
    shader: 'attention_map',
    label: 'attention.map',
    params: [
      u32(shape.T),
      u32(shape.H),
      u32(shape.D),
      f32(scaleOf({ ...shape, B: 1 })),
      u32(outOffset),
    ],
    buffers: [q, k, lse, out],
    workgroups: [shape.T],
  });
}

/**
 * Backward: overwrites dq, dk, dv (B·T, D) from dout and the forward's out and lse. Allocates its
 * delta scratch (B·H·T floats) once; the returned launches run in order (dq pass, then dk/dv).
 */
export async function attentionBackward(
  rt: GpuRuntime,
  q: Binding,
  k: Binding,
  v: Binding,
  out: Binding,
  dout: Binding,
  lse: Binding,
  dq: Binding,
  dk: Binding,
  dv: Binding,
  shape: AttentionShape,
  tiles: AttentionTiles = attentionTiles(rt, shape),
): Promise<Launch[]> {
  const c = tileConstants(rt, shape, tiles);
  const delta = rt.buffer('attention.delta', shape.B * shape.H * shape.T * 4);
  const params = [u32(shape.T), u32(shape.H), f32(scaleOf(shape))];
  return Promise.all([
    rt.launch({
      shader: 'attention_backward_dq',
      label: 'attention.backward.dq',
      constants: c,
      params,
      buffers: [q, k, v, out, dout, lse, delta, dq],
      workgroups: [Math.ceil(shape.T / c.BQ), shape.H, shape.B],
    }),
    rt.launch({
      shader: 'attention_backward_dkv',
      label: 'attention.backward.dkv',
      constants: c,
      params,
      buffers: [q, k, v, dout, lse, delta, dk, dv],
      workgroups: [Math.ceil(shape.T / c.BQ), shape.H, shape.B],
    }),
  ]);
}

export interface AttentionDecodeShape {
  /** Sequences decoded together. */
  Bq: number;
  D: number;
  H: number;
  /** Latent width (the spec's rank r). */
  r: number;
  /** Slots of each sequence's ring cache. */
  Tmax: number;
}

/** Threads per decode workgroup (one workgroup per head and sequence): the head dim and the rank
 * must divide it (attention_decode.wgsl splits each stage's dot products over lanes). */
const DECODE_WG = 256;

/** Floats into the parameter buffer of one block's Wq, Wk and Wv (each (D, r)). */
export interface AttentionDecodeWeights {
  wq: number;
  wk: number;
  wv: number;
}

export interface AttentionDecodeBuffers {
  /** (Bq, r): the new token's latent. */
  c: Binding;
  /** (Bq, Tmax, r): each sequence's ring of latents. */
  cache: Binding;
  params: Binding;
  /** u32 [slot, len, start]: attend positions 0..len-1, position j in slot (start + j) mod Tmax. */
  cursor: Binding;
  /** (Bq, D), overwritten */
  out: Binding;
}

/** The decode cursor for a token at position `pos` (0-based, every token of the context counted). */
export function attentionDecodeCursor(Tmax: number, pos: number): Uint32Array {
  const len = Math.min(pos + 1, Tmax);
  return Uint32Array.of(pos % Tmax, len, (pos + 1 - len) % Tmax, 0);
}

/** Decode: out (Bq, D) for the new tokens' latents c over their caches (q = Wq c fused in). */
export async function attentionDecode(
  rt: GpuRuntime,
  io: AttentionDecodeBuffers,
  shape: AttentionDecodeShape,
  w: AttentionDecodeWeights,
): Promise<Launch> {
  const DH = headDim({ B: shape.Bq, T: 1, D: shape.D, H: shape.H });
  for (const [what, n] of [
    ['head dim', DH],
    ['rank', shape.r],
  ] as const) {
    if (!(Number.isInteger(Math.log2(n)) && n <= DECODE_WG)) {
      throw new Error(`attention decode: ${what} ${n} must be a power of two ≤ ${DECODE_WG}`);
    }
  }
  const floats = DH + 2 * shape.r + shape.Tmax + DECODE_WG;
  checkWorkgroup(rt, 'attention_decode', DECODE_WG, 4 * floats, 'use a shorter context');
  return rt.launch({
    shader: 'attention_decode',
    label: 'attention.decode',
    constants: { WG: DECODE_WG, DH, R: shape.r, TMAX: shape.Tmax },
    params: [u32(shape.H), f32(1 / Math.sqrt(DH)), u32(w.wq), u32(w.wk), u32(w.wv)],
    buffers: [io.c, io.cache, io.params, io.cursor, io.out],
    workgroups: [shape.H, shape.Bq],
  });
}

// ---- CPU references (float64) ----

/** Per-row probabilities of one (sequence, head, query t): p_j for j ≤ t, and the row's lse. */
function rowProbabilities(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  s: AttentionShape,
  b: number,
  h: number,
  t: number,
): { p: Float64Array; lse: number } {
  const dh = headDim(s);
  const scale = 1 / Math.sqrt(dh);
  const qOff = (b * s.T + t) * s.D + h * dh;
  const p = new Float64Array(t + 1);
  let m = -Infinity;
  for (let j = 0; j <= t; j++) {
    const kOff = (b * s.T + j) * s.D + h * dh;
    let acc = 0;
    for (let d = 0; d < dh; d++) acc += q[qOff + d] * k[kOff + d];
    p[j] = acc * scale;
    m = Math.max(m, p[j]);
  }
  let sum = 0;
  for (let j = 0; j <= t; j++) {
    p[j] = Math.exp(p[j] - m);
    sum += p[j];
  }
  for (let j = 0; j <= t; j++) p[j] /= sum;
  return { p, lse: m + Math.log(sum) };
}

export function attentionForwardReference(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  s: AttentionShape,
): { out: Float64Array; lse: Float64Array } {
  const dh = headDim(s);
  const out = new Float64Array(s.B * s.T * s.D);
  const lse = new Float64Array(s.B * s.H * s.T);
  for (let b = 0; b < s.B; b++) {
    for (let h = 0; h < s.H; h++) {
      for (let t = 0; t < s.T; t++) {
        const row = rowProbabilities(q, k, s, b, h, t);
        lse[(b * s.H + h) * s.T + t] = row.lse;
        const oOff = (b * s.T + t) * s.D + h * dh;
        for (let j = 0; j <= t; j++) {
          const vOff = (b * s.T + j) * s.D + h * dh;
          for (let d = 0; d < dh; d++) out[oOff + d] += row.p[j] * v[vOff + d];
        }
      }
    }
  }
  return { out, lse };
}

/** attentionMap's (T, T) head-averaged probabilities of one sequence (B = 1). */
export function attentionMapReference(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  s: Omit<AttentionShape, 'B'>,
): Float64Array {
  const shape = { ...s, B: 1 };
  const map = new Float64Array(s.T * s.T);
  for (let h = 0; h < s.H; h++) {
    for (let t = 0; t < s.T; t++) {
      const { p } = rowProbabilities(q, k, shape, 0, h, t);
      for (let j = 0; j <= t; j++) map[t * s.T + j] += p[j] / s.H;
    }
  }
  return map;
}

/** Gradients of L = Σ dout ⊙ out with respect to q, k and v. */
export function attentionBackwardReference(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dout: ArrayLike<number>,
  s: AttentionShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const dh = headDim(s);
  const scale = 1 / Math.sqrt(dh);
  const n = s.B * s.T * s.D;
  const dq = new Float64Array(n);
  const dk = new Float64Array(n);
  const dv = new Float64Array(n);
  for (let b = 0; b < s.B; b++) {
    for (let h = 0; h < s.H; h++) {
      for (let t = 0; t < s.T; t++) {
        const { p } = rowProbabilities(q, k, s, b, h, t);
        const iOff = (b * s.T + t) * s.D + h * dh;
        // dp_j = dout_t·v_j; ds_j = p_j (dp_j − Σ_j' p_j' dp_j'), the softmax backward.
        const dp = new Float64Array(t + 1);
        let pdp = 0;
        for (let j = 0; j <= t; j++) {
          const jOff = (b * s.T + j) * s.D + h * dh;
          for (let d = 0; d < dh; d++) dp[j] += dout[iOff + d] * v[jOff + d];
          pdp += p[j] * dp[j];
        }
        for (let j = 0; j <= t; j++) {
          const jOff = (b * s.T + j) * s.D + h * dh;
          const ds = p[j] * (dp[j] - pdp) * scale;
          for (let d = 0; d < dh; d++) {
            dv[jOff + d] += p[j] * dout[iOff + d];
            dq[iOff + d] += ds * k[jOff + d];
            dk[jOff + d] += ds * q[iOff + d];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}

/**
 * Decode reference: out (Bq, D) for the latents c (Bq, r), attending positions 0..len-1 at ring
 * slots (start + j) mod Tmax, with q = c·Wqᵀ and the keys and values absorbed into q and out.
 */
export function attentionDecodeReference(
  c: ArrayLike<number>,
  cache: ArrayLike<number>,
  params: ArrayLike<number>,
  w: AttentionDecodeWeights,
  s: AttentionDecodeShape,
  len: number,
  start: number,
): Float64Array {
  const dh = s.D / s.H;
  const q = new Float64Array(s.Bq * s.D);
  matmulReference(c, params, q, { M: s.Bq, N: s.D, K: s.r, transB: true, offB: w.wq });
  const wk = (i: number) => params[w.wk + i];
  const wv = (i: number) => params[w.wv + i];
  const scale = 1 / Math.sqrt(dh);
  const out = new Float64Array(s.Bq * s.D);
  const slot = (b: number, j: number) => (b * s.Tmax + ((start + j) % s.Tmax)) * s.r;
  for (let b = 0; b < s.Bq; b++) {
    for (let h = 0; h < s.H; h++) {
      const qt = new Float64Array(s.r);
      for (let d = 0; d < dh; d++) {
        const qd = q[b * s.D + h * dh + d];
        for (let i = 0; i < s.r; i++) qt[i] += wk((h * dh + d) * s.r + i) * qd;
      }
      const p = new Float64Array(len);
      let m = -Infinity;
      for (let j = 0; j < len; j++) {
        for (let i = 0; i < s.r; i++) p[j] += cache[slot(b, j) + i] * qt[i];
        p[j] *= scale;
        m = Math.max(m, p[j]);
      }
      let sum = 0;
      for (let j = 0; j < len; j++) {
        p[j] = Math.exp(p[j] - m);
        sum += p[j];
      }
      const cbar = new Float64Array(s.r);
      for (let j = 0; j < len; j++) {
        for (let i = 0; i < s.r; i++) cbar[i] += (p[j] / sum) * cache[slot(b, j) + i];
      }
      for (let d = 0; d < dh; d++) {
        let acc = 0;
        for (let i = 0; i < s.r; i++) acc += wv((h * dh + d) * s.r + i) * cbar[i];
        out[b * s.D + h * dh + d] = acc;
      }
    }
  }
  return out;
}
