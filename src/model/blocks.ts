// The two halves of an i3 block as GPU launches, forward and backward, following the spec:
//   x = x + SSM(RMSNorm_ssm(x));   x = x + Attn(RMSNorm_attn(x))
// Each half reads its input from the residual slot the forward kept, writes its output to the
// next slot, and in the backward first recomputes its own activations into the shared scratch
// (activation checkpointing per half: only the residual stream is kept between passes, plus, in
// the 'keep' activation mode, the outputs of the scan and attention kernels, of the narrow
// projections and Δ (see KeptName), which the recompute then skips).
import type { Binding, GpuRuntime, Launch } from '../gpu/runtime';
import { gateBackward, gateForward, siluBackward, softplusBiasBackward } from '../ops/activations';
import { attentionBackward, attentionForward } from '../ops/attention';
import { conv1dBackward, conv1dForward } from '../ops/conv1d';
import {
  type MatmulBatch,
  type MatmulEpilogue,
  matmulPartials,
  matmulReduce,
  matmulSplitK,
  type PartialSums,
  partialFloats,
} from '../ops/matmul';
import { rmsnormBackward, rmsnormForward } from '../ops/rmsnorm';
import {
  scanWorkgroupBytes,
  selectiveScanBackward,
  selectiveScanForward,
} from '../ops/selectiveScan';
import { type ScratchBuffers, type ScratchGroup, scanShape, weightGradShapes } from './buffers';
import type { I3Config } from './config';
import type { ParameterLayout } from './params';

export interface BlockContext {
  rt: GpuRuntime;
  config: I3Config;
  layout: ParameterLayout;
  rows: number;
  B: number;
  T: number;
  params: GPUBuffer;
  grads: GPUBuffer;
  s: ScratchBuffers;
  lse: GPUBuffer;
  scanStates: GPUBuffer;
  scanScratch: GPUBuffer;
  /** Partial products of the split-K matmuls (shared: they run one at a time). */
  splitScratch: GPUBuffer;
  /** A half-block's weight-gradient partial products, side by side (WeightGrads). */
  weightGradScratch: GPUBuffer;
  /** The partial sums of the gradients reduced over rows (conv, dt bias, norms): shared. */
  partials: GPUBuffer;
  /**
   * The buffers of KeptName (s.y, s.a, lse, scanStates, s.h1, …) are this layer's own and kept
   * from its forward, so the backward's recompute skips the launches that write them.
   */
  kept?: boolean;
}

/** A tensor of the flat parameter (or gradient) buffer as a bindable view. */
export function view(ctx: BlockContext, buffer: GPUBuffer, name: string): GPUBufferBinding {
  const t = ctx.layout.byName[name];
  return { buffer, offset: t.offset * 4, size: t.size * 4 };
}

const offset = (ctx: BlockContext, name: string) => ctx.layout.byName[name].offset;

/** The scan's shape at this context's micro-batch, sized to its device (as the model's scratch). */
const scanOf = (ctx: BlockContext) => scanShape(ctx.config, ctx, scanWorkgroupBytes(ctx.rt));

/**
 * How a map's product runs beyond its shape: adding into its output, as a batch of maps
 * (mapBatches), or with an elementwise op fused into its store (matmul's epilogue, operand E).
 */
interface MapOptions {
  accumulate?: boolean;
  batch?: MatmulBatch;
  fused?: { epilogue: MatmulEpilogue; E: Binding };
}

/**
 * y = x · Wᵀ for a weight W (out, in) at `w` floats into the parameters (plus a row offset).
 * `name` labels the launches for the profiler (e.g. 'ssm.in_proj.down' gives '… fwd', '… dx', '… dW').
 */
function linear(
  ctx: BlockContext,
  name: string,
  x: Binding,
  w: number,
  y: Binding,
  inF: number,
  outF: number,
  { accumulate, batch, fused }: MapOptions = {},
): Promise<Launch[]> {
  const epilogue = fused?.epilogue;
  const shape = {
    M: ctx.rows,
    N: outF,
    K: inF,
    transB: true,
    offB: w,
    accumulate,
    batch,
    epilogue,
  };
  return matmulSplitK(ctx.rt, x, ctx.params, y, ctx.splitScratch, shape, `${name} fwd`, fused?.E);
}

/** dx (+)= dy · W, the input gradient of `linear`. */
function linearInputGrad(
  ctx: BlockContext,
  name: string,
  dy: Binding,
  w: number,
  dx: Binding,
  inF: number,
  outF: number,
  { accumulate, batch }: MapOptions = {},
): Promise<Launch[]> {
  const shape = { M: ctx.rows, N: inF, K: outF, offB: w, accumulate, batch };
  return matmulSplitK(ctx.rt, dy, ctx.params, dx, ctx.splitScratch, shape, `${name} dx`);
}

/**
 * The weight gradients of one half-block: each map's dW += dyᵀ · x leaves its partial sums in a
 * place of its own in ctx.weightGradScratch, and one launch at the half's end adds them all into
 * the gradient buffer, instead of a reduction launch per map.
 */
class WeightGrads {
  private offset = 0;
  private readonly sums: PartialSums[] = [];

  constructor(
    private readonly ctx: BlockContext,
    private readonly half: Half,
  ) {}

  /** dW += dyᵀ · x, the weight gradient of `linear`, for the weight at `w`. */
  async add(
    name: string,
    dy: Binding,
    x: Binding,
    w: number,
    inF: number,
    outF: number,
    { batch }: MapOptions = {},
  ): Promise<Launch[]> {
    const { ctx } = this;
    const shape = { M: outF, N: inF, K: ctx.rows, transA: true, offC: w, accumulate: true, batch };
    const partial = await matmulPartials(
      ctx.rt,
      dy,
      x,
      ctx.weightGradScratch,
      shape,
      `${name} dW`,
      this.offset,
    );
    this.offset += partialFloats(shape);
    this.sums.push(partial.sums);
    return [partial.launch];
  }

  /**
   * The one launch that adds the half's weight gradients into the gradient buffer. The scratch
   * they filled must be what the memory plan gave this half (weightGradShapes lists its maps).
   */
  async reduce(): Promise<Launch[]> {
    const { rt, weightGradScratch, grads, config, rows } = this.ctx;
    const planned = weightGradShapes(config, rows)[this.half];
    if (this.offset !== planned.reduce((n, shape) => n + partialFloats(shape), 0)) {
      throw new Error(`${this.half} weight gradients: not the maps weightGradShapes plans`);
    }
    return [await matmulReduce(rt, weightGradScratch, grads, this.sums, `${this.half} dW reduce`)];
  }
}

/**
 * Maps of one shape whose weights lie evenly spaced in the parameters (q, k, v; in_proj.up's u and
 * z rows; x_proj's Bt and Ct rows) and whose outputs or gradients fill a scratch group (GROUPS) in
 * the same order, as batches: the forward (input shared, one output each), the input gradient
 * (summed) and the weight gradients (input shared, one each). An output group and its gradient's
 * (uz and duz, …) have members of one width, so either gives the stride.
 */
function mapBatches(weights: number[], group: ScratchGroup) {
  const spacing = weights[1] - weights[0];
  if (weights.some((w, i) => w !== weights[0] + i * spacing)) {
    throw new Error(`batched maps need evenly spaced weights, got offsets ${weights.join(', ')}`);
  }
  const count = weights.length;
  const { stride } = group;
  return {
    forward: { count, strideA: 0, strideB: spacing, strideC: stride },
    inputGrad: { count, strideA: stride, strideB: spacing, sum: true },
    weightGrad: { count, strideA: stride, strideB: 0, strideC: spacing },
  } satisfies Record<string, MatmulBatch>;
}

type Half = 'ssm' | 'attn';

/** Each half's out_proj.down output (rank r). */
const o1Of = (ctx: BlockContext, half: Half) => (half === 'ssm' ? ctx.s.o1 : ctx.s.attnO1);

/** A kept output is computed in the forward (an `out` to write), and in the backward's recompute
 * (no `out`) only when it was not kept. */
const computes = (ctx: BlockContext, out: Binding | undefined) => out !== undefined || !ctx.kept;

/**
 * Both halves end alike: o1 = input · Wdownᵀ, and (when the output is wanted) out = x + o1 · Wupᵀ.
 * The backward's recomputation stops after o1 (it needs o1, not the block output), and skips o1
 * too where it was kept.
 */
async function outProjectionForward(
  ctx: BlockContext,
  half: Half,
  layer: number,
  input: Binding,
  x: Binding,
  out: Binding | undefined,
): Promise<Launch[]> {
  const { d_model: D, rank: r } = ctx.config;
  const w = `model.layers.${layer}.${half}.out_proj.`;
  const o1 = o1Of(ctx, half);
  if (!computes(ctx, out)) return [];
  const launches = await linear(
    ctx,
    `${half}.out_proj.down`,
    input,
    offset(ctx, `${w}down.weight`),
    o1,
    D,
    r,
  );
  if (out) {
    // out = x + o1·Wᵀ, the residual added in the product's store.
    launches.push(
      ...(await linear(ctx, `${half}.out_proj.up`, o1, offset(ctx, `${w}up.weight`), out, r, D, {
        fused: { epilogue: 'residual', E: x },
      })),
    );
  }
  return launches;
}

/** The out-projection's backward from the residual gradient dx: dinput into s.dg, dW of both maps. */
async function outProjectionBackward(
  ctx: BlockContext,
  half: Half,
  layer: number,
  input: Binding,
  dW: WeightGrads,
): Promise<Launch[]> {
  const { s } = ctx;
  const { d_model: D, rank: r } = ctx.config;
  const w = `model.layers.${layer}.${half}.out_proj.`;
  const up = offset(ctx, `${w}up.weight`);
  const down = offset(ctx, `${w}down.weight`);
  return [
    ...(await linearInputGrad(ctx, `${half}.out_proj.up`, s.dx, up, s.do1, r, D)),
    ...(await dW.add(`${half}.out_proj.up`, s.dx, o1Of(ctx, half), up, r, D)),
    ...(await linearInputGrad(ctx, `${half}.out_proj.down`, s.do1, down, s.dg, D, r)),
    ...(await dW.add(`${half}.out_proj.down`, s.do1, input, down, D, r)),
  ];
}

/** Both halves start with RMSNorm: dx += its input gradient from dxn; its weight gradient too. */
async function normBackward(
  ctx: BlockContext,
  half: Half,
  layer: number,
  x: Binding,
): Promise<Launch[]> {
  const { rt, rows, s } = ctx;
  const { d_model: D, norm_eps: eps } = ctx.config;
  const norm = `model.layers.${layer}.${half}_norm.weight`;
  return rmsnormBackward(
    rt,
    x,
    view(ctx, ctx.params, norm),
    s.rstd,
    s.dxn,
    s.dx,
    view(ctx, ctx.grads, norm),
    { rows, D, eps, accumulate: true, partials: ctx.partials },
  );
}

/** The scan's inputs and chunk states, which its forward and backward both bind. */
function scanInputs(ctx: BlockContext, layer: number) {
  const { s } = ctx;
  const p = `model.layers.${layer}.ssm.`;
  return {
    u: s.u,
    delta: s.delta,
    ALog: view(ctx, ctx.params, `${p}A_log`),
    Bt: s.Bt,
    Ct: s.Ct,
    Dskip: view(ctx, ctx.params, `${p}D`),
    states: ctx.scanStates,
  };
}

/** The SSM half's forward: out = x + SSM(RMSNorm(x)); without `out`, the backward's recompute. */
export async function ssmForward(
  ctx: BlockContext,
  layer: number,
  x: Binding,
  out: Binding | undefined,
): Promise<Launch[]> {
  const { rt, rows, s } = ctx;
  const { d_model: D, rank: r, dt_rank: R, d_state: N, d_conv: K, norm_eps: eps } = ctx.config;
  const p = `model.layers.${layer}.`;
  const xProj = offset(ctx, `${p}ssm.x_proj.weight`);
  const dtProj = offset(ctx, `${p}ssm.dt_proj.weight`);
  const up = offset(ctx, `${p}ssm.in_proj.up.weight`);
  const upMaps = mapBatches([up, up + D * r], s.groups.uz);
  const bcMaps = mapBatches([xProj + R * D, xProj + (R + N) * D], s.groups.bc);
  return [
    await rmsnormForward(rt, x, view(ctx, ctx.params, `${p}ssm_norm.weight`), s.xn, s.rstd, {
      rows,
      D,
      eps,
    }),
    ...(computes(ctx, out)
      ? await linear(
          ctx,
          'ssm.in_proj.down',
          s.xn,
          offset(ctx, `${p}ssm.in_proj.down.weight`),
          s.h1,
          D,
          r,
        )
      : []),
    // u0 and z from in_proj.up's two row blocks.
    ...(await linear(ctx, 'ssm.in_proj.up', s.h1, up, s.groups.uz.buffer, r, D, {
      batch: upMaps.forward,
    })),
    await conv1dForward(
      rt,
      s.u0,
      view(ctx, ctx.params, `${p}ssm.conv.weight`),
      view(ctx, ctx.params, `${p}ssm.conv.bias`),
      s.uc,
      s.u,
      { rows, D, T: ctx.T, K },
    ),
    ...(computes(ctx, out)
      ? [
          ...(await linear(ctx, 'ssm.x_proj.delta', s.u, xProj, s.dl, D, R)),
          // Bt and Ct from x_proj's last two row blocks.
          ...(await linear(ctx, 'ssm.x_proj.BC', s.u, xProj + R * D, s.groups.bc.buffer, D, N, {
            batch: bcMaps.forward,
          })),
        ]
      : []),
    ...(computes(ctx, out)
      ? [
          // Δ = softplus(δ·Wᵀ + bias), the softplus fused into the product's store.
          ...(await linear(ctx, 'ssm.dt_proj', s.dl, dtProj, s.delta, R, D, {
            fused: { epilogue: 'softplusBias', E: view(ctx, ctx.params, `${p}ssm.dt_proj.bias`) },
          })),
          await selectiveScanForward(rt, { ...scanInputs(ctx, layer), y: s.y }, scanOf(ctx)),
        ]
      : []),
    await gateForward(rt, s.y, s.z, s.g, rows * D),
    ...(await outProjectionForward(ctx, 'ssm', layer, s.g, x, out)),
  ];
}

/** The SSM half's backward: dx (the residual gradient) += ∂/∂x of SSM(RMSNorm(x)). */
export async function ssmBackward(ctx: BlockContext, layer: number, x: Binding): Promise<Launch[]> {
  const { rt, rows, s } = ctx;
  const { d_model: D, rank: r, dt_rank: R, d_state: N, d_conv: K } = ctx.config;
  const p = `model.layers.${layer}.`;
  const xProj = offset(ctx, `${p}ssm.x_proj.weight`);
  const up = offset(ctx, `${p}ssm.in_proj.up.weight`);
  const upMaps = mapBatches([up, up + D * r], s.groups.uz);
  const duz = s.groups.duz.buffer;
  const bcMaps = mapBatches([xProj + R * D, xProj + (R + N) * D], s.groups.dbc);
  const dbc = s.groups.dbc.buffer;
  const down = offset(ctx, `${p}ssm.in_proj.down.weight`);
  const dtProj = offset(ctx, `${p}ssm.dt_proj.weight`);
  const dW = new WeightGrads(ctx, 'ssm');
  return [
    ...(await ssmForward(ctx, layer, x, undefined)),
    ...(await outProjectionBackward(ctx, 'ssm', layer, s.g, dW)),
    await gateBackward(rt, s.y, s.z, s.dg, s.dy, s.dz, rows * D),
    ...(await selectiveScanBackward(
      rt,
      {
        ...scanInputs(ctx, layer),
        dy: s.dy,
        du: s.du,
        dDelta: s.ddelta,
        dBt: s.dBt,
        dCt: s.dCt,
        dALog: view(ctx, ctx.grads, `${p}ssm.A_log`),
        dDskip: view(ctx, ctx.grads, `${p}ssm.D`),
        scratch: ctx.scanScratch,
      },
      scanOf(ctx),
    )),
    ...(await softplusBiasBackward(
      rt,
      s.delta,
      s.ddelta,
      s.ddtpre,
      view(ctx, ctx.grads, `${p}ssm.dt_proj.bias`),
      { rows, D, partials: ctx.partials },
    )),
    ...(await linearInputGrad(ctx, 'ssm.dt_proj', s.ddtpre, dtProj, s.ddl, R, D)),
    ...(await dW.add('ssm.dt_proj', s.ddtpre, s.dl, dtProj, R, D)),
    // u feeds δ, Bt and Ct through the three row blocks of x_proj.
    ...(await linearInputGrad(ctx, 'ssm.x_proj.delta', s.ddl, xProj, s.du, D, R, {
      accumulate: true,
    })),
    // Two accumulating products: as one summed batch, their partial sums cost more than they save.
    ...(await linearInputGrad(ctx, 'ssm.x_proj.B', s.dBt, xProj + R * D, s.du, D, N, {
      accumulate: true,
    })),
    ...(await linearInputGrad(ctx, 'ssm.x_proj.C', s.dCt, xProj + (R + N) * D, s.du, D, N, {
      accumulate: true,
    })),
    ...(await dW.add('ssm.x_proj.delta', s.ddl, s.u, xProj, D, R)),
    ...(await dW.add('ssm.x_proj.BC', dbc, s.u, xProj + R * D, D, N, {
      batch: bcMaps.weightGrad,
    })),
    await siluBackward(rt, s.uc, s.du, s.duc, rows * D),
    ...(await conv1dBackward(
      rt,
      s.u0,
      view(ctx, ctx.params, `${p}ssm.conv.weight`),
      s.duc,
      s.du0,
      view(ctx, ctx.grads, `${p}ssm.conv.weight`),
      view(ctx, ctx.grads, `${p}ssm.conv.bias`),
      { rows, D, T: ctx.T, K, partials: ctx.partials },
    )),
    ...(await linearInputGrad(ctx, 'ssm.in_proj.up', duz, up, s.dh1, r, D, {
      batch: upMaps.inputGrad,
    })),
    ...(await dW.add('ssm.in_proj.up', duz, s.h1, up, r, D, {
      batch: upMaps.weightGrad,
    })),
    ...(await linearInputGrad(ctx, 'ssm.in_proj.down', s.dh1, down, s.dxn, D, r)),
    ...(await dW.add('ssm.in_proj.down', s.dh1, s.xn, down, D, r)),
    ...(await dW.reduce()),
    ...(await normBackward(ctx, 'ssm', layer, x)),
  ];
}

/** The attention half's forward: out = x + Attn(RMSNorm(x)); without `out`, the backward's recompute. */
export async function attnForward(
  ctx: BlockContext,
  layer: number,
  x: Binding,
  out: Binding | undefined,
): Promise<Launch[]> {
  const { rt, rows, s } = ctx;
  const { d_model: D, rank: r, n_heads: H, norm_eps: eps } = ctx.config;
  const p = `model.layers.${layer}.`;
  const [wq, wk, wv] = ['q', 'k', 'v'].map((n) => offset(ctx, `${p}attn.${n}.weight`));
  const qkvMaps = mapBatches([wq, wk, wv], s.groups.qkv);
  return [
    await rmsnormForward(rt, x, view(ctx, ctx.params, `${p}attn_norm.weight`), s.xn, s.rstd, {
      rows,
      D,
      eps,
    }),
    ...(computes(ctx, out)
      ? await linear(ctx, 'attn.latent', s.xn, offset(ctx, `${p}attn.latent.weight`), s.c, D, r)
      : []),
    ...(await linear(ctx, 'attn.qkv', s.c, wq, s.groups.qkv.buffer, r, D, {
      batch: qkvMaps.forward,
    })),
    ...(computes(ctx, out)
      ? [await attentionForward(rt, s.q, s.k, s.v, s.a, ctx.lse, { B: ctx.B, T: ctx.T, D, H })]
      : []),
    ...(await outProjectionForward(ctx, 'attn', layer, s.a, x, out)),
  ];
}

/** The attention half's backward: dx += ∂/∂x of Attn(RMSNorm(x)). */
export async function attnBackward(
  ctx: BlockContext,
  layer: number,
  x: Binding,
): Promise<Launch[]> {
  const { rt, s } = ctx;
  const { d_model: D, rank: r, n_heads: H } = ctx.config;
  const p = `model.layers.${layer}.`;
  const latent = offset(ctx, `${p}attn.latent.weight`);
  const [wq, wk, wv] = ['q', 'k', 'v'].map((n) => offset(ctx, `${p}attn.${n}.weight`));
  const qkvMaps = mapBatches([wq, wk, wv], s.groups.qkv);
  const dqkv = s.groups.dqkv.buffer;
  const dW = new WeightGrads(ctx, 'attn');
  return [
    ...(await attnForward(ctx, layer, x, undefined)),
    ...(await outProjectionBackward(ctx, 'attn', layer, s.a, dW)),
    ...(await attentionBackward(rt, s.q, s.k, s.v, s.a, s.dg, ctx.lse, s.dq, s.dk, s.dv, {
      B: ctx.B,
      T: ctx.T,
      D,
      H,
    })),
    ...(await linearInputGrad(ctx, 'attn.qkv', dqkv, wq, s.dh1, r, D, {
      batch: qkvMaps.inputGrad,
    })),
    ...(await dW.add('attn.qkv', dqkv, s.c, wq, r, D, {
      batch: qkvMaps.weightGrad,
    })),
    ...(await linearInputGrad(ctx, 'attn.latent', s.dh1, latent, s.dxn, D, r)),
    ...(await dW.add('attn.latent', s.dh1, s.xn, latent, D, r)),
    ...(await dW.reduce()),
    ...(await normBackward(ctx, 'attn', layer, x)),
  ];
}
