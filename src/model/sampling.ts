// Next-token sampling settings, the GPU sampling launch (shaders/sample.wgsl: one workgroup per
// sequence, three words read back per token: the token and how likely the model found it) and
// its float64 CPU reference. The semantics, shared by both: repetition penalty on the logits of
// tokens already seen (Hugging Face's rule), scores divided by the temperature, top-k (ties at the
// k-th score kept), top-p (keep a token when the probability mass of strictly higher scores is
// below topP), then the first kept token in index order whose running probability sum exceeds u,
// with u hashed from (seed, draw, sequence). A restricted draw considers only the tokens marked
// allowed (token healing's first draw).
import { f32, type GpuRuntime, type Launch, type Param, u32 } from '../gpu/runtime';
import type { TokenOdds } from './tokenOdds';

export interface SamplingSettings {
  /** Divides the logits; 0 picks the argmax (greedy). */
  temperature: number;
  /** Keep the k highest scores; 0 turns it off. */
  topK: number;
  /** Keep the smallest set of highest scores whose probability reaches topP; 1 turns it off. */
  topP: number;
  /** > 1 discourages tokens already in the context or generated; 1 turns it off. */
  repetitionPenalty: number;
  /** The same seed, context and settings give the same tokens. */
  seed: number;
}

/** The spec's defaults (Generation); the seed is the caller's. */
export const DEFAULT_SAMPLING: Omit<SamplingSettings, 'seed'> = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  repetitionPenalty: 1,
};

export interface SampleShape {
  /** Sequences, one row of logits each. */
  Bq: number;
  V: number;
}

export function checkSampling(s: SamplingSettings): void {
  const bad = (what: string) => {
    throw new RangeError(`sampling: ${what}`);
  };
  if (!(s.temperature >= 0 && Number.isFinite(s.temperature))) bad(`temperature ${s.temperature}`);
  if (!(Number.isInteger(s.topK) && s.topK >= 0)) bad(`topK ${s.topK} must be an integer ≥ 0`);
  if (!(s.topP > 0 && s.topP <= 1)) bad(`topP ${s.topP} must be in (0, 1]`);
  if (!(s.repetitionPenalty > 0 && Number.isFinite(s.repetitionPenalty))) {
    bad(`repetitionPenalty ${s.repetitionPenalty} must be > 0`);
  }
}

/**
 * The launch's scalars for the `draw`-th token of a generation; rewrite with rt.setParams.
 * `haltOnStop` (one sequence only) makes a token marked in the stop set halt the decoder's queued
 * steps (sample.wgsl); `restricted` draws only tokens marked in the allowed set.
 */
export function sampleParams(
  shape: SampleShape,
  s: SamplingSettings,
  draw: number,
  haltOnStop = false,
  restricted = false,
): Param[] {
  checkSampling(s);
  return [
    u32(shape.V),
    u32(s.topK),
    f32(s.topP),
    f32(s.temperature),
    f32(s.repetitionPenalty),
    u32(s.seed >>> 0),
    u32(draw >>> 0),
    u32(haltOnStop ? 1 : 0),
    u32(restricted ? 1 : 0),
  ];
}

/** u32 words a sequence's draw writes (ids): its token, the token's probability and rank. */
export const SAMPLE_WORDS = 3;

/** A drawn token with how likely the model found it (tokenOdds.ts). */
export interface DrawnToken extends TokenOdds {
  id: number;
}

/** The draws of Bq sequences, from the words the kernel wrote (SampleBuffers.ids). */
export function drawnTokens(words: Uint32Array, Bq: number): DrawnToken[] {
  const probs = new Float32Array(words.buffer, words.byteOffset + Bq * 4, Bq);
  return Array.from({ length: Bq }, (_, b) => ({
    id: words[b],
    prob: probs[b],
    rank: words[2 * Bq + b],
  }));
}

export interface SampleBuffers {
  /** (Bq, V) f32 */
  logits: GPUBuffer;
  /** (Bq, V) u32, nonzero = penalised; the drawn token is marked. */
  seen: GPUBuffer;
  /**
   * (SAMPLE_WORDS · Bq) u32: the drawn tokens, then each one's probability under the model (f32
   * bits), then its rank (tokenOdds.ts).
   */
  ids: GPUBuffer;
  /** One u32: set when a stop token is drawn under haltOnStop; while set, nothing is drawn. */
  halt: GPUBuffer;
  /** (V) u32, nonzero = a stop token. */
  stops: GPUBuffer;
  /** (V) u32, nonzero = a token a restricted draw may pick. */
  allowed: GPUBuffer;
}

/** Samples one token per row of logits into ids and marks it in seen (see SampleBuffers). */
export function sampleTokens(
  rt: GpuRuntime,
  io: SampleBuffers,
  shape: SampleShape,
  s: SamplingSettings,
  draw = 0,
): Promise<Launch> {
  return rt.launch({
    shader: 'sample',
    label: 'sample',
    params: sampleParams(shape, s, draw),
    buffers: [io.logits, io.seen, io.ids, io.halt, io.stops, io.allowed],
    workgroups: [shape.Bq],
  });
}

// ---- CPU reference ----

/** PCG's output hash (sample.wgsl's pcg) on u32. */
function pcg(v: number): number {
  const s = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

/** The uniform u in [0, 1) (24 bits) that the kernel draws for (seed, draw, sequence b). */
export function sampleUniform(seed: number, draw: number, b: number): number {
  const h = pcg((pcg((pcg(seed >>> 0) + (draw >>> 0)) >>> 0) + b) >>> 0);
  return (h >>> 8) / 16777216;
}

/**
 * The kept tokens' probabilities (zero elsewhere) and the token drawn with u, for one row of
 * logits; `seen` marks the penalised tokens, `allowed` (a restricted draw) the only candidates.
 */
export function sampleReference(
  logits: ArrayLike<number>,
  seen: ArrayLike<number> | null,
  s: SamplingSettings,
  u: number,
  allowed?: ArrayLike<number>,
): { token: number; probs: Float64Array } {
  checkSampling(s);
  const V = logits.length;
  const scores = Float64Array.from({ length: V }, (_, i) => {
    if (allowed && !allowed[i]) return -Infinity;
    let l = logits[i];
    if (seen?.[i]) l = l > 0 ? l / s.repetitionPenalty : l * s.repetitionPenalty;
    return s.temperature > 0 ? l / s.temperature : l;
  });
  let argmax = 0;
  for (let i = 1; i < V; i++) if (scores[i] > scores[argmax]) argmax = i;
  const probs = new Float64Array(V);
  if (s.temperature === 0) {
    probs[argmax] = 1;
    return { token: argmax, probs };
  }
  const sorted = Float64Array.from(scores).sort().reverse();
  const kth = s.topK > 0 && s.topK < V ? sorted[s.topK - 1] : -Infinity;
  const e = scores.map((v) => (v >= kth ? Math.exp(v - sorted[0]) : 0));
  const total = e.reduce((a, b) => a + b, 0);
  // Mass of strictly higher scores, from the sorted kept scores.
  const above = new Map<number, number>();
  let acc = 0;
  for (let j = 0; j < V && sorted[j] >= kth; ) {
    const v = sorted[j];
    above.set(v, acc);
    for (; j < V && sorted[j] === v; j++) acc += Math.exp(v - sorted[0]);
  }
  for (let i = 0; i < V; i++) {
    if (e[i] > 0 && (above.get(scores[i]) ?? 0) >= s.topP * total) e[i] = 0;
  }
  const kept = e.reduce((a, b) => a + b, 0);
  let token = argmax;
  let run = 0;
  for (let i = 0, found = false; i < V; i++) {
    probs[i] = e[i] / kept;
    run += e[i];
    if (!found && e[i] > 0 && run > u * kept) {
      token = i;
      found = true;
    }
  }
  return { token, probs };
}
