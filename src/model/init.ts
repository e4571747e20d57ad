// The spec's initialisation, drawn from one seeded Rng tensor by tensor in layout order, so the same
// seed gives the same weights in the browser, in Node and in the CPU reference.

import { Rng } from '../util/random';
import type { I3Config } from './config';
import { parameterLayout, type TensorSpec } from './params';

export const EMBED_STD = 0.02;
export const DT_MIN = 1e-3;
export const DT_MAX = 1e-1;

/** softplus⁻¹(y) = log(eʸ − 1), written as y + log(1 − e⁻ʸ) to stay exact for small y. */
function inverseSoftplus(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/** The role of a tensor, from the last part of its spec name. */
function initOf(c: I3Config, t: TensorSpec): (out: Float32Array, rng: Rng) => void {
  const { d_model: D, rank: r, dt_rank: R, d_conv: K, d_state: N } = c;
  const normal = (std: number) => (out: Float32Array, rng: Rng) => rng.fillNormal(out, std);
  const constant = (v: number) => (out: Float32Array) => out.fill(v);
  const name = t.name;
  if (name === 'model.embed_tokens.weight') return normal(EMBED_STD);
  if (name.endsWith('norm.weight')) return constant(1);
  if (name.endsWith('.down.weight') || name.endsWith('attn.latent.weight')) {
    return normal(1 / Math.sqrt(D));
  }
  if (name.endsWith('out_proj.up.weight')) {
    // Residual branches add 2L times into the stream: scale their last map to keep its variance flat.
    return normal(1 / Math.sqrt(r) / Math.sqrt(2 * c.n_layers));
  }
  if (/\.(up|q|k|v)\.weight$/.test(name)) return normal(1 / Math.sqrt(r));
  if (name.endsWith('ssm.x_proj.weight')) return normal(1 / Math.sqrt(D));
  if (name.endsWith('ssm.conv.weight')) {
    return (out, rng) => rng.fillUniform(out, -1 / Math.sqrt(K), 1 / Math.sqrt(K));
  }
  if (name.endsWith('ssm.conv.bias')) return constant(0);
  if (name.endsWith('ssm.dt_proj.weight')) {
    return (out, rng) => rng.fillUniform(out, -1 / Math.sqrt(R), 1 / Math.sqrt(R));
  }
  if (name.endsWith('ssm.dt_proj.bias')) {
    // Δ starts log-uniform in [DT_MIN, DT_MAX]: softplus(bias) = dt at zero input.
    return (out, rng) => {
      const lo = Math.log(DT_MIN);
      const hi = Math.log(DT_MAX);
      for (let i = 0; i < out.length; i++) out[i] = inverseSoftplus(Math.exp(rng.uniform(lo, hi)));
    };
  }
  if (name.endsWith('ssm.A_log')) {
    // A = −(n+1): state n decays at rate n+1 (S4D-real), the same for every channel.
    return (out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.log((i % N) + 1);
    };
  }
  if (name.endsWith('ssm.D')) return constant(1);
  throw new Error(`initParameters: no rule for tensor ${name}`);
}

/** The flat parameter buffer at layout offsets, padding zero. */
export function initParameters(c: I3Config, seed: number): Float32Array {
  const layout = parameterLayout(c);
  const params = new Float32Array(layout.totalFloats);
  const rng = new Rng(seed);
  for (const t of layout.tensors) {
    initOf(c, t)(params.subarray(t.offset, t.offset + t.size), rng);
  }
  return params;
}
