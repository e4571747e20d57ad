// What the Model pane's diagram draws: the i3 forward pass (spec: i3-model.md) as steps, each with
// the shapes it maps between at this config and the parameters it holds, counted from the
// parameter layout so that the picture and the model cannot disagree.
import type { I3Config } from '../../model/config';
import { parameterLayout } from '../../model/params';

export interface DiagramStep {
  label: string;
  /** The shapes, as the spec writes them, with this config's numbers. */
  shape: string;
  /** Parameters of this step (in one block, for a block's steps). */
  params: number;
}

export interface BlockDiagramModel {
  /** Before the blocks: the embedding. */
  input: DiagramStep;
  /** One block's two halves, each ending in its residual add. */
  ssm: DiagramStep[];
  attention: DiagramStep[];
  /** After the blocks: the final norm and the tied head. */
  output: DiagramStep[];
  layers: number;
}

/** The diagram of config c; every tensor of the layout counted in exactly one step. */
export function blockDiagram(c: I3Config): BlockDiagramModel {
  const { byName } = parameterLayout(c);
  const { d_model: D, rank: r, d_state: N, dt_rank: R, d_conv: K, n_heads: H } = c;
  const V = c.vocab_size;
  const size = (...names: string[]) => names.reduce((n, name) => n + byName[name].size, 0);
  const block = (...names: string[]) => size(...names.map((n) => `model.layers.0.${n}`));
  const step = (label: string, shape: string, params = 0): DiagramStep => ({
    label,
    shape,
    params,
  });
  /** A half-block's last step: its low-rank out_proj, then the residual add. */
  const outProj = (half: 'ssm' | 'attn') =>
    step(
      'out_proj, low rank',
      `${D} → ${r} → ${D}, + residual`,
      block(`${half}.out_proj.down.weight`, `${half}.out_proj.up.weight`),
    );
  return {
    input: step('embedding', `token → ${D}  (${V} × ${D})`, size('model.embed_tokens.weight')),
    ssm: [
      step('RMSNorm', `${D}`, block('ssm_norm.weight')),
      step(
        'in_proj, low rank',
        `${D} → ${r} → 2 × ${D}: u, z`,
        block('ssm.in_proj.down.weight', 'ssm.in_proj.up.weight'),
      ),
      step(
        'causal conv, SiLU',
        `u: ${K} taps a channel`,
        block('ssm.conv.weight', 'ssm.conv.bias'),
      ),
      step('x_proj', `${D} → ${R} + ${N} + ${N}: δ, B, C`, block('ssm.x_proj.weight')),
      step(
        'dt_proj, softplus',
        `δ: ${R} → ${D}: Δ`,
        block('ssm.dt_proj.weight', 'ssm.dt_proj.bias'),
      ),
      step('selective scan', `${D} channels × ${N} states`, block('ssm.A_log', 'ssm.D')),
      step('gate', 'y ⊙ silu(z)'),
      outProj('ssm'),
    ],
    attention: [
      step('RMSNorm', `${D}`, block('attn_norm.weight')),
      step('latent', `${D} → ${r}: c`, block('attn.latent.weight')),
      step(
        'q, k, v',
        `c: ${r} → ${D} each`,
        block('attn.q.weight', 'attn.k.weight', 'attn.v.weight'),
      ),
      step('causal softmax', `${H} heads of ${D / H}`),
      outProj('attn'),
    ],
    output: [
      step('RMSNorm', `${D}`, size('model.norm.weight')),
      step('head, tied to the embedding', `${D} → ${V} logits`),
    ],
    layers: c.n_layers,
  };
}
