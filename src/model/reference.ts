// The whole i3 forward on the CPU in float64, composed from the ops' CPU references: the
// executable form of the spec that the GPU model, and the exported PyTorch code, are checked
// against (at the i3-test preset; it is far too slow for real shapes).
import { gateForwardReference, softplusBiasForwardReference } from '../ops/activations';
import { attentionForwardReference, attentionMapReference } from '../ops/attention';
import { conv1dForwardReference } from '../ops/conv1d';
import { crossEntropyReference } from '../ops/crossEntropy';
import { embeddingForwardReference } from '../ops/embedding';
import { matmulReference } from '../ops/matmul';
import { rmsnormForwardReference } from '../ops/rmsnorm';
import { selectiveScanReference } from '../ops/selectiveScan';
import type { I3Config } from './config';
import { parameterLayout } from './params';

type Weights = (name: string) => Float64Array;

function weightsOf(c: I3Config, params: ArrayLike<number>): Weights {
  const layout = parameterLayout(c);
  return (name) => {
    const t = layout.byName[name];
    return Float64Array.from({ length: t.size }, (_, i) => params[t.offset + i]);
  };
}

/** y (rows, out) = x (rows, in) · Wᵀ with W (out, in). */
function linear(x: Float64Array, w: Float64Array, rows: number, inF: number, outF: number) {
  const y = new Float64Array(rows * outF);
  matmulReference(x, w, y, { M: rows, N: outF, K: inF, transB: true });
  return y;
}

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

function ssm(c: I3Config, W: Weights, p: string, x: Float64Array, B: number, T: number) {
  const { d_model: D, rank: r, dt_rank: R, d_state: N, d_conv: K } = c;
  const rows = B * T;
  const h1 = linear(x, W(`${p}ssm.in_proj.down.weight`), rows, D, r);
  const up = W(`${p}ssm.in_proj.up.weight`);
  const u0 = linear(h1, up.subarray(0, D * r), rows, r, D);
  const z = linear(h1, up.subarray(D * r), rows, r, D);
  const u = conv1dForwardReference(u0, W(`${p}ssm.conv.weight`), W(`${p}ssm.conv.bias`), {
    rows,
    D,
    T,
    K,
  }).act;
  const xp = W(`${p}ssm.x_proj.weight`);
  const dl = linear(u, xp.subarray(0, R * D), rows, D, R);
  const Bt = linear(u, xp.subarray(R * D, (R + N) * D), rows, D, N);
  const Ct = linear(u, xp.subarray((R + N) * D), rows, D, N);
  const delta = softplusBiasForwardReference(
    linear(dl, W(`${p}ssm.dt_proj.weight`), rows, R, D),
    W(`${p}ssm.dt_proj.bias`),
    { rows, D },
  );
  const { y } = selectiveScanReference(
    { u, delta, ALog: W(`${p}ssm.A_log`), Bt, Ct, Dskip: W(`${p}ssm.D`) },
    { B, T, D, N },
  );
  const g = gateForwardReference(y, z);
  const o1 = linear(g, W(`${p}ssm.out_proj.down.weight`), rows, D, r);
  return linear(o1, W(`${p}ssm.out_proj.up.weight`), rows, r, D);
}

/**
 * Causal attention in which position t sees only positions max(0, t−W+1)..t (the decoder's
 * sliding window past max_seq_len), written out on its own rather than through the op's reference.
 */
function windowedAttention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  s: { B: number; T: number; D: number; H: number },
  W: number,
): Float64Array {
  const { B, T, D, H } = s;
  const dh = D / H;
  const out = new Float64Array(B * T * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const j0 = Math.max(0, t - W + 1);
        const p = new Float64Array(t - j0 + 1);
        const at = (j: number, d: number) => (b * T + j) * D + h * dh + d;
        for (let j = j0; j <= t; j++) {
          for (let d = 0; d < dh; d++) p[j - j0] += q[at(t, d)] * k[at(j, d)];
          p[j - j0] /= Math.sqrt(dh);
        }
        const m = Math.max(...p);
        const e = p.map((x) => Math.exp(x - m));
        const sum = e.reduce((a, x) => a + x, 0);
        for (let j = j0; j <= t; j++) {
          for (let d = 0; d < dh; d++) out[at(t, d)] += (e[j - j0] / sum) * v[at(j, d)];
        }
      }
    }
  }
  return out;
}

function attention(
  c: I3Config,
  W: Weights,
  p: string,
  x: Float64Array,
  B: number,
  T: number,
  window?: number,
  maps?: Float64Array[],
) {
  const { d_model: D, rank: r, n_heads: H } = c;
  const rows = B * T;
  const lat = linear(x, W(`${p}attn.latent.weight`), rows, D, r);
  const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(lat, W(`${p}attn.${n}.weight`), rows, r, D));
  const shape = { B, T, D, H };
  maps?.push(attentionMapReference(q, k, { T, D, H }));
  const out =
    window === undefined
      ? attentionForwardReference(q, k, v, shape).out
      : windowedAttention(q, k, v, shape, window);
  const a1 = linear(out, W(`${p}attn.out_proj.down.weight`), rows, D, r);
  return linear(a1, W(`${p}attn.out_proj.up.weight`), rows, r, D);
}

/**
 * Logits (B·T, V) of B sequences of T tokens. With `window`, attention sees only the last
 * `window` positions (decode.ts's definition past max_seq_len), through a separate loop. With
 * `maps` (B = 1, no window), each block's attention map (attentionMapReference) is pushed to it.
 */
export function referenceLogits(
  c: I3Config,
  params: ArrayLike<number>,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  window?: number,
  maps?: Float64Array[],
): Float64Array {
  const W = weightsOf(c, params);
  const { d_model: D, vocab_size: V, norm_eps: eps } = c;
  const rows = B * T;
  const norm = (x: Float64Array, name: string) =>
    rmsnormForwardReference(x, W(name), { rows, D, eps }).y;
  let x = embeddingForwardReference(ids, W('model.embed_tokens.weight'), { rows, D, V });
  for (let l = 0; l < c.n_layers; l++) {
    const p = `model.layers.${l}.`;
    x = add(x, ssm(c, W, p, norm(x, `${p}ssm_norm.weight`), B, T));
    x = add(x, attention(c, W, p, norm(x, `${p}attn_norm.weight`), B, T, window, maps));
  }
  return linear(norm(x, 'model.norm.weight'), W('model.embed_tokens.weight'), rows, D, V);
}

/** Mean cross-entropy of a batch of B rows of T+1 tokens, pad targets ignored. */
export function referenceLoss(
  c: I3Config,
  params: ArrayLike<number>,
  batch: Uint32Array,
  B: number,
  T: number,
  padId: number,
): number {
  const ids = new Uint32Array(B * T);
  const targets = new Uint32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = batch[b * (T + 1) + t];
      targets[b * T + t] = batch[b * (T + 1) + t + 1];
    }
  }
  const logits = referenceLogits(c, params, ids, B, T);
  return crossEntropyReference(logits, targets, {
    rows: B * T,
    V: c.vocab_size,
    ignoreIndex: padId,
  }).mean;
}
