// The i3 configuration: the keys of config.json (snake_case, as the spec and the exported bundle
// name them), the three presets of the spec's table, validation and the parameter-count formula.
import { MAX_HEAD_DIM } from '../ops/attention';

export interface I3Config {
  vocab_size: number;
  d_model: number;
  n_layers: number;
  n_heads: number;
  d_state: number;
  rank: number;
  dt_rank: number;
  d_conv: number;
  max_seq_len: number;
  norm_eps: number;
  tie_word_embeddings: boolean;
}

export type PresetName = 'i3-22m' | 'i3-tiny' | 'i3-test';

/** i3-tiny's vocabulary comes from the tokenizer; 4466 (the seed's) until a caller overrides it. */
export const DEFAULT_VOCAB_SIZE = 4466;

export const PRESETS: Record<PresetName, I3Config> = {
  'i3-22m': {
    vocab_size: DEFAULT_VOCAB_SIZE,
    d_model: 512,
    n_layers: 24,
    n_heads: 16,
    d_state: 64,
    rank: 128,
    dt_rank: 32,
    d_conv: 4,
    max_seq_len: 256,
    norm_eps: 1e-5,
    tie_word_embeddings: true,
  },
  'i3-tiny': {
    vocab_size: DEFAULT_VOCAB_SIZE,
    d_model: 128,
    n_layers: 4,
    n_heads: 4,
    d_state: 16,
    rank: 32,
    dt_rank: 8,
    d_conv: 4,
    max_seq_len: 128,
    norm_eps: 1e-5,
    tie_word_embeddings: true,
  },
  'i3-test': {
    vocab_size: 64,
    d_model: 16,
    n_layers: 2,
    n_heads: 2,
    d_state: 4,
    rank: 8,
    dt_rank: 2,
    d_conv: 4,
    max_seq_len: 16,
    norm_eps: 1e-5,
    tie_word_embeddings: true,
  },
};

/** A preset with some keys replaced (e.g. the tokenizer's vocab_size). */
export function presetConfig(name: PresetName, overrides: Partial<I3Config> = {}): I3Config {
  return { ...PRESETS[name], ...overrides };
}

/** The config keys that must be positive whole numbers. */
const INTEGER_KEYS = [
  'vocab_size',
  'd_model',
  'n_layers',
  'n_heads',
  'd_state',
  'rank',
  'dt_rank',
  'd_conv',
  'max_seq_len',
] as const;

/** The eleven spec keys of an I3Config, in the spec's order (config.json and import use it). */
export const CONFIG_KEYS = [
  ...INTEGER_KEYS,
  'norm_eps',
  'tie_word_embeddings',
] as const satisfies readonly (keyof I3Config)[];

/** Every problem with the config as a human sentence; empty when the config is usable. */
export function validateConfig(c: I3Config): string[] {
  const errors: string[] = [];
  for (const key of INTEGER_KEYS) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      errors.push(`${key} (${String(v)}) must be a positive integer`);
    }
  }
  if (typeof c.norm_eps !== 'number' || !Number.isFinite(c.norm_eps) || c.norm_eps <= 0) {
    errors.push(`norm_eps (${String(c.norm_eps)}) must be a positive finite number`);
  }
  if (c.tie_word_embeddings !== true) {
    errors.push(
      `tie_word_embeddings (${String(c.tie_word_embeddings)}) must be true: the i3 head is the embedding`,
    );
  }
  if (errors.length > 0) return errors;
  if (c.d_model % c.n_heads !== 0) {
    errors.push(`d_model (${c.d_model}) must be divisible by n_heads (${c.n_heads})`);
  }
  const headDim = c.d_model / c.n_heads;
  if (Number.isInteger(headDim) && (headDim % 4 !== 0 || headDim > MAX_HEAD_DIM)) {
    errors.push(
      `head dim d_model / n_heads (${headDim}) must be a multiple of 4 and at most ${MAX_HEAD_DIM}: ` +
        'attention holds a head row in registers in fours',
    );
  }
  if (c.rank > c.d_model) {
    errors.push(
      `rank (${c.rank}) must be at most d_model (${c.d_model}): projections are low-rank`,
    );
  }
  if (c.dt_rank > c.d_model) {
    errors.push(`dt_rank (${c.dt_rank}) must be at most d_model (${c.d_model})`);
  }
  if (c.d_state % 4 !== 0) {
    errors.push(`d_state (${c.d_state}) must be a multiple of 4: the scan holds states in fours`);
  }
  return errors;
}

/** The spec's formula: L·(2D + S + A) + V·D + D (the tied head adds nothing). */
export function parameterCount(c: I3Config): number {
  const { vocab_size: V, d_model: D, n_layers: L, d_state: N, rank: r, dt_rank: R, d_conv: K } = c;
  const S = D * r + r * 2 * D + (K * D + D) + D * (R + 2 * N) + (R * D + D) + D * N + D + 2 * D * r;
  const A = D * r + 3 * r * D + 2 * D * r;
  return L * (2 * D + S + A) + V * D + D;
}
