// Where each i3 parameter lives in the one flat f32 buffer: the spec's state_dict names and shapes in
// the spec's order, each tensor padded to 64 floats so GPU views of it are 256-byte aligned.

import { alignToBinding } from '../gpu/runtime';
import type { I3Config } from './config';

export interface TensorSpec {
  /** The spec's state_dict name, e.g. `model.layers.0.ssm.A_log`. */
  name: string;
  shape: number[];
  size: number;
  /** In floats into the flat buffer; a multiple of 64. */
  offset: number;
  /** AdamW weight decay: matrices (and the embedding) yes; norms, biases, A_log, D no. */
  decay: boolean;
}

export interface ParameterLayout {
  tensors: TensorSpec[];
  totalFloats: number;
  byName: Record<string, TensorSpec>;
}

/** The spec's (name, shape) list in order; a tensor decays when it has two or more axes. */
function tensorShapes(c: I3Config): [string, number[]][] {
  const { vocab_size: V, d_model: D, d_state: N, rank: r, dt_rank: R, d_conv: K } = c;
  const list: [string, number[]][] = [['model.embed_tokens.weight', [V, D]]];
  for (let i = 0; i < c.n_layers; i++) {
    const p = `model.layers.${i}.`;
    list.push(
      [`${p}ssm_norm.weight`, [D]],
      [`${p}ssm.in_proj.down.weight`, [r, D]],
      [`${p}ssm.in_proj.up.weight`, [2 * D, r]],
      [`${p}ssm.conv.weight`, [D, 1, K]],
      [`${p}ssm.conv.bias`, [D]],
      [`${p}ssm.x_proj.weight`, [R + 2 * N, D]],
      [`${p}ssm.dt_proj.weight`, [D, R]],
      [`${p}ssm.dt_proj.bias`, [D]],
      [`${p}ssm.A_log`, [D, N]],
      [`${p}ssm.D`, [D]],
      [`${p}ssm.out_proj.down.weight`, [r, D]],
      [`${p}ssm.out_proj.up.weight`, [D, r]],
      [`${p}attn_norm.weight`, [D]],
      [`${p}attn.latent.weight`, [r, D]],
      [`${p}attn.q.weight`, [D, r]],
      [`${p}attn.k.weight`, [D, r]],
      [`${p}attn.v.weight`, [D, r]],
      [`${p}attn.out_proj.down.weight`, [r, D]],
      [`${p}attn.out_proj.up.weight`, [D, r]],
    );
  }
  list.push(['model.norm.weight', [D]]);
  return list;
}

export function parameterLayout(c: I3Config): ParameterLayout {
  const tensors: TensorSpec[] = [];
  const byName: Record<string, TensorSpec> = {};
  let offset = 0;
  for (const [name, shape] of tensorShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    // A_log is (D, N) but is a log-rate per state, not a weight matrix: no decay, as the spec says.
    const decay = shape.length >= 2 && !name.endsWith('.A_log');
    const spec: TensorSpec = { name, shape, size, offset, decay };
    tensors.push(spec);
    byName[name] = spec;
    offset += alignToBinding(size);
  }
  return { tensors, totalFloats: offset, byName };
}

/**
 * Pairs [start, decayFlag] sorted by start, covering [0, totalFloats), adjacent runs with the same
 * flag merged. A tensor's padding takes its tensor's flag: padding holds zeros with zero gradient,
 * which AdamW (with or without decay) leaves at zero.
 */
export function decaySegments(layout: ParameterLayout): Uint32Array {
  const out: number[] = [];
  for (const t of layout.tensors) {
    const flag = t.decay ? 1 : 0;
    if (out.length === 0 || out[out.length - 1] !== flag) out.push(t.offset, flag);
  }
  return Uint32Array.from(out);
}

/** The parts of the model its parameters are counted by (the Model pane's breakdown). */
export const PARAMETER_GROUPS = [
  'embedding (and the tied head)',
  'SSM projections',
  'SSM conv, Δ bias, A and D',
  'attention',
  'norms',
] as const;
export type ParameterGroup = (typeof PARAMETER_GROUPS)[number];

/** Which part a tensor of the spec belongs to. */
function groupOf(name: string): ParameterGroup {
  if (name === 'model.embed_tokens.weight') return 'embedding (and the tied head)';
  if (name.endsWith('norm.weight')) return 'norms';
  if (name.includes('.attn.')) return 'attention';
  if (/\.ssm\.(in_proj|x_proj|out_proj)\.|\.ssm\.dt_proj\.weight$/.test(name)) {
    return 'SSM projections';
  }
  return 'SSM conv, Δ bias, A and D';
}

/** The parameters of each part, in PARAMETER_GROUPS' order (alignment padding not counted). */
export function parameterGroups(c: I3Config): { group: ParameterGroup; count: number }[] {
  const counts = new Map<ParameterGroup, number>(PARAMETER_GROUPS.map((g) => [g, 0]));
  for (const t of parameterLayout(c).tensors) {
    const g = groupOf(t.name);
    counts.set(g, (counts.get(g) ?? 0) + t.size);
  }
  return PARAMETER_GROUPS.map((group) => ({ group, count: counts.get(group) ?? 0 }));
}

/** A part of the model whose gradient norm training reports: its name and its first float. */
export interface GradientPart {
  name: string;
  start: number;
}

/**
 * The parts the gradient norm is split into, in the flat buffer's order: the embedding, each
 * block's SSM and attention halves, the final norm. Each part runs to the next one's start.
 */
export function gradientParts(c: I3Config): GradientPart[] {
  const at = parameterLayout(c).byName;
  const parts: GradientPart[] = [{ name: 'embedding', start: 0 }];
  for (let i = 0; i < c.n_layers; i++) {
    parts.push(
      { name: `block ${i} SSM`, start: at[`model.layers.${i}.ssm_norm.weight`].offset },
      { name: `block ${i} attention`, start: at[`model.layers.${i}.attn_norm.weight`].offset },
    );
  }
  parts.push({ name: 'final norm', start: at['model.norm.weight'].offset });
  return parts;
}
