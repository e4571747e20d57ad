// How likely the model found a token: its probability under the softmax of the raw logits (no
// penalty, temperature or truncation) and its rank among them (1: the most likely; ties share the
// better rank). The sampling kernel writes them for each drawn token; shaders/token_odds.wgsl for
// given tokens (a prompt's, each against the logits of the tokens before it). Both share
// shaders/logit_odds.wgsl; tokenOdds below is their float64 reference.
import { type GpuRuntime, type Launch, type Param, u32 } from '../gpu/runtime';

export interface TokenOdds {
  prob: number;
  rank: number;
}

/** u32 words token_odds.wgsl writes per row: the probability (f32 bits), then the rank. */
export const ODDS_WORDS = 2;

export interface TokenOddsBuffers {
  /** (rows, V) f32 */
  logits: GPUBuffer;
  /** u32 token ids; row r scores targets[targetOffset + r]. */
  targets: GPUBuffer;
  /** ODDS_WORDS u32 per scored token; row r writes at ODDS_WORDS · (outOffset + r). */
  out: GPUBuffer;
}

export interface TokenOddsShape {
  rows: number;
  V: number;
  targetOffset: number;
  outOffset: number;
}

/** The launch's scalars; rewrite with rt.setParams to score other tokens into other words. */
export function tokenOddsParams(shape: TokenOddsShape): Param[] {
  return [u32(shape.V), u32(shape.targetOffset), u32(shape.outOffset)];
}

/** The odds of `rows` given tokens, one row of logits each (see TokenOddsBuffers). */
export function tokenOddsLaunch(
  rt: GpuRuntime,
  io: TokenOddsBuffers,
  shape: TokenOddsShape,
): Promise<Launch> {
  return rt.launch({
    shader: 'token_odds',
    label: 'token_odds',
    params: tokenOddsParams(shape),
    buffers: [io.logits, io.targets, io.out],
    workgroups: [shape.rows],
  });
}

/** The odds of `count` tokens from the words the kernel wrote (TokenOddsBuffers.out). */
export function readTokenOdds(words: Uint32Array, count: number): TokenOdds[] {
  const bits = new Float32Array(words.buffer, words.byteOffset, ODDS_WORDS * count);
  return Array.from({ length: count }, (_, i) => ({
    prob: bits[ODDS_WORDS * i],
    rank: words[ODDS_WORDS * i + 1],
  }));
}

// ---- CPU reference ----

/** The probability of `token` under the softmax of the raw logits, and its rank (1: the top). */
export function tokenOdds(logits: ArrayLike<number>, token: number): TokenOdds {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let total = 0;
  let higher = 0;
  for (let i = 0; i < logits.length; i++) {
    total += Math.exp(logits[i] - max);
    if (logits[i] > logits[token]) higher++;
  }
  return { prob: Math.exp(logits[token] - max) / total, rank: higher + 1 };
}
