// The i3 model on the GPU, read top to bottom like nanoGPT's model.py: config and buffers, then
// the forward (embedding → blocks → tied head → loss), the backward in reverse, and the
// optimizer. All buffers and launches are built once in `create`; a training step only writes
// the batch's tokens, replays the launches and copies a few statistics back.
import type { GpuRuntime, Launch } from '../gpu/runtime';
import { crossEntropyBackward, crossEntropyLoss, LOSS_STATS_FLOATS } from '../ops/crossEntropy';
import { buildTokenIndex, embeddingBackward, embeddingForward } from '../ops/embedding';
import { matmul, matmulSplitK } from '../ops/matmul';
import {
  ADAMW_DEFAULTS,
  type AdamWHyper,
  type AdamWShape,
  adamw,
  adamwParams,
  gradNorm,
  gradNormStatsFloats,
} from '../ops/optimizer';
import { rmsnormBackward, rmsnormForward } from '../ops/rmsnorm';
import {
  createSelectiveScanScratch,
  createSelectiveScanStates,
  scanWorkgroupBytes,
} from '../ops/selectiveScan';
import type { StepStats, TrainerModel } from '../train/trainer';
import {
  attnBackward,
  attnForward,
  type BlockContext,
  ssmBackward,
  ssmForward,
  view,
} from './blocks';
import {
  type ActivationMode,
  allocateKept,
  allocateScratch,
  type BatchShape,
  bufferPlan,
  DEFAULT_ACTIVATIONS,
  type KeptOutputs,
  keptFloats,
  scanShape,
  withKept,
} from './buffers';
import type { I3Config } from './config';
import { decaySegments, gradientParts, type ParameterLayout, parameterLayout } from './params';

export interface I3TrainingOptions {
  /** Micro-batches per optimizer step (gradient accumulation). */
  accumSteps: number;
  /** Global gradient-norm clip; 0 turns clipping off. */
  clipNorm: number;
  adam: Omit<AdamWHyper, 'lr'>;
  /** Targets with this id do not count in the loss (the tokenizer's pad id). */
  padId: number;
  /** What the forward keeps for the backward (see ActivationMode). */
  activations: ActivationMode;
}

export const defaultTrainingOptions = (): I3TrainingOptions => ({
  accumSteps: 1,
  clipNorm: 1,
  adam: ADAMW_DEFAULTS,
  padId: 0,
  activations: DEFAULT_ACTIVATIONS,
});

/** The context with one layer's own kernel outputs in place of the shared ones. */
function withOutputs(ctx: BlockContext, own: KeptOutputs): BlockContext {
  const { lse, scanStates, ...activations } = own;
  const s = withKept(ctx.config, { B: ctx.B, T: ctx.T }, ctx.s, activations);
  return { ...ctx, s, lse, scanStates };
}

export class I3Model implements TrainerModel {
  readonly layout: ParameterLayout;
  readonly rows: number;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly adamM: GPUBuffer;
  readonly adamV: GPUBuffer;
  /** Residual stream: slot 2ℓ is block ℓ's input, 2ℓ+1 its midpoint, 2L the final output. */
  readonly residual: GPUBuffer[];
  readonly logits: GPUBuffer;
  private readonly ids: GPUBuffer;
  private readonly targets: GPUBuffer;
  private readonly tokenOffsets: GPUBuffer;
  private readonly tokenPositions: GPUBuffer;
  private readonly lossStats: GPUBuffer;
  private readonly normStats: GPUBuffer;
  /** Where each part of the gradient norm starts (gradientParts), and the norm statistics' floats. */
  private readonly gradParts: number[];
  private readonly normFloats: number;
  /**
   * Idle MAP_READ buffers for a step's statistics: the loss statistics of each micro-batch, then
   * the gradient-norm statistics (one per step in flight).
   */
  private readonly idle: GPUBuffer[] = [];
  private readonly plan: Record<string, number>;
  private forwardLaunches: Launch[] = [];
  /** Forward, loss and backward of one micro-batch. */
  private trainLaunches: Launch[] = [];
  /** Forward and the accumulating loss of one evaluation batch. */
  private evalLaunches: Launch[] = [];
  private optimizerLaunches: Launch[] = [];
  private adamLaunch!: Launch;
  private adamShape!: AdamWShape;
  /** The current micro-batch's inputs and targets, split on the CPU before upload. */
  private readonly idsHost: Uint32Array;
  private readonly targetsHost: Uint32Array;
  private readonly ctx: BlockContext;
  /** Each layer's context: ctx, or in 'keep' mode (after layer 0) ctx with its own outputs. */
  private readonly layers: BlockContext[];
  private owned!: ReturnType<GpuRuntime['scope']>;

  private constructor(
    readonly rt: GpuRuntime,
    readonly config: I3Config,
    readonly shape: BatchShape,
    readonly options: I3TrainingOptions,
  ) {
    this.layout = parameterLayout(config);
    this.rows = shape.B * shape.T;
    this.idsHost = new Uint32Array(this.rows);
    this.targetsHost = new Uint32Array(this.rows);
    const scan = scanShape(config, shape, scanWorkgroupBytes(rt));
    const plan = bufferPlan(config, shape, options.activations, scan.workgroupBytes);
    this.plan = plan;
    const f = (name: string, floats = plan[name]) => rt.buffer(name, floats * 4);
    this.params = f('params');
    this.grads = f('grads');
    this.adamM = f('adamM');
    this.adamV = f('adamV');
    const slot = this.rows * config.d_model;
    this.residual = Array.from({ length: 2 * config.n_layers + 1 }, (_, i) =>
      f(`residual.${i}`, slot),
    );
    this.logits = f('logits');
    this.ids = f('ids', this.rows);
    this.targets = f('targets', this.rows);
    this.tokenOffsets = f('tokenOffsets', config.vocab_size + 1);
    this.tokenPositions = f('tokenPositions', this.rows);
    this.lossStats = f('lossStats', LOSS_STATS_FLOATS);
    this.gradParts = gradientParts(config).map((p) => p.start);
    this.normFloats = gradNormStatsFloats(this.gradParts.length);
    this.normStats = f('normStats', this.normFloats);
    this.ctx = {
      rt,
      config,
      layout: this.layout,
      rows: this.rows,
      B: shape.B,
      T: shape.T,
      params: this.params,
      grads: this.grads,
      s: allocateScratch(rt, config, shape),
      lse: f('lse', keptFloats(config, shape).lse),
      scanStates: createSelectiveScanStates(rt, scan, 'scanStates'),
      scanScratch: createSelectiveScanScratch(rt, scan, 'scanScratch'),
      splitScratch: f('splitScratch', Math.max(1, plan.splitScratch)),
      weightGradScratch: f('weightGradScratch', plan.weightGradScratch),
      partials: f('partialSums'),
      kept: options.activations === 'keep',
    };
    // Layer 0 writes the shared outputs; in 'keep' mode each later layer has a set of its own.
    this.layers = Array.from({ length: config.n_layers }, (_, l) =>
      this.ctx.kept && l > 0
        ? withOutputs(this.ctx, allocateKept(rt, config, shape, `.${l}`))
        : this.ctx,
    );
  }

  static async create(
    rt: GpuRuntime,
    config: I3Config,
    shape: BatchShape,
    options: I3TrainingOptions = defaultTrainingOptions(),
  ): Promise<I3Model> {
    const owned = rt.scope();
    try {
      const model = new I3Model(rt, config, shape, options);
      await model.build();
      model.owned = owned;
      return model;
    } finally {
      owned.end();
    }
  }

  private async build(): Promise<void> {
    const { rt, config, ctx, rows } = this;
    const { d_model: D, vocab_size: V, n_layers: L, norm_eps: eps } = config;
    const s = ctx.s;
    const embed = 'model.embed_tokens.weight';
    const finalNorm = 'model.norm.weight';
    const last = this.residual[2 * L];
    const ceShape = { rows, V, ignoreIndex: this.options.padId };
    const cePerRow = rt.buffer('cePerRow', this.plan.cePerRow * 4);

    // Forward: embedding, blocks, final norm and the tied head.
    const forward: Launch[] = [
      await embeddingForward(rt, this.ids, view(ctx, this.params, embed), this.residual[0], {
        rows,
        D,
        V,
      }),
    ];
    for (let l = 0; l < L; l++) {
      const c = this.layers[l];
      forward.push(...(await ssmForward(c, l, this.residual[2 * l], this.residual[2 * l + 1])));
      forward.push(
        ...(await attnForward(c, l, this.residual[2 * l + 1], this.residual[2 * l + 2])),
      );
    }
    const xFinal = rt.buffer('xFinal', this.plan.xFinal * 4);
    const rstdFinal = rt.buffer('rstdFinal', this.plan.rstdFinal * 4);
    forward.push(
      await rmsnormForward(rt, last, view(ctx, this.params, finalNorm), xFinal, rstdFinal, {
        rows,
        D,
        eps,
      }),
      await matmul(rt, xFinal, this.params, this.logits, {
        M: rows,
        N: V,
        K: D,
        transB: true,
        offB: this.layout.byName[embed].offset,
      }),
    );
    this.forwardLaunches = forward;
    const loss = (accumulate: boolean) =>
      crossEntropyLoss(rt, this.logits, this.targets, cePerRow, this.lossStats, ceShape, {
        accumulate,
      });
    this.evalLaunches = [...forward, ...(await loss(true))];

    // Backward: the loss (dlogits in place of the logits), the tied head, blocks in reverse,
    // and the embedding rows that the batch used.
    const embedOffset = this.layout.byName[embed].offset;
    const backward: Launch[] = [
      await crossEntropyBackward(
        rt,
        this.logits,
        this.targets,
        cePerRow,
        this.lossStats,
        ceShape,
        1 / this.options.accumSteps,
      ),
      ...(await matmulSplitK(
        rt,
        this.logits,
        this.params,
        s.dxn,
        ctx.splitScratch,
        { M: rows, N: D, K: V, offB: embedOffset },
        'head dx',
      )),
      ...(await matmulSplitK(
        rt,
        this.logits,
        xFinal,
        this.grads,
        ctx.splitScratch,
        { M: V, N: D, K: rows, transA: true, offC: embedOffset, accumulate: true },
        'head dW',
      )),
      ...(await rmsnormBackward(
        rt,
        last,
        view(ctx, this.params, finalNorm),
        rstdFinal,
        s.dxn,
        s.dx,
        view(ctx, this.grads, finalNorm),
        { rows, D, eps, partials: ctx.partials },
      )),
    ];
    for (let l = L - 1; l >= 0; l--) {
      backward.push(...(await attnBackward(this.layers[l], l, this.residual[2 * l + 1])));
      backward.push(...(await ssmBackward(this.layers[l], l, this.residual[2 * l])));
    }
    backward.push(
      await embeddingBackward(
        rt,
        this.tokenOffsets,
        this.tokenPositions,
        s.dx,
        view(ctx, this.grads, embed),
        { rows, D, V },
      ),
    );
    this.trainLaunches = [...forward, ...(await loss(false)), ...backward];

    // Optimizer: global gradient norm and clip scale, then AdamW (which also zeroes the grads).
    const n = this.layout.totalFloats;
    this.adamShape = { n, segments: decaySegments(this.layout) };
    const partials = rt.buffer('gradNormPartials', this.plan.gradNormPartials * 4);
    this.adamLaunch = await adamw(
      rt,
      {
        params: this.params,
        grads: this.grads,
        m: this.adamM,
        v: this.adamV,
        normStats: this.normStats,
      },
      this.adamShape,
      { lr: 0, ...this.options.adam },
    );
    this.optimizerLaunches = [
      ...(await gradNorm(rt, this.grads, partials, this.normStats, {
        n,
        maxNorm: this.options.clipNorm,
        parts: this.gradParts,
      })),
      this.adamLaunch,
    ];
  }

  /** Uploads one micro-batch: B rows of T+1 tokens give inputs 0..T-1 and targets 1..T. */
  private upload(batch: Uint32Array): void {
    const { B, T } = this.shape;
    if (batch.length !== B * (T + 1)) {
      throw new Error(`batch has ${batch.length} tokens, expected ${B}×${T + 1}`);
    }
    const ids = this.idsHost;
    const targets = this.targetsHost;
    for (let b = 0; b < B; b++) {
      ids.set(batch.subarray(b * (T + 1), b * (T + 1) + T), b * T);
      targets.set(batch.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
    }
    const index = buildTokenIndex(ids, this.config.vocab_size);
    this.rt.write(this.ids, ids);
    this.rt.write(this.targets, targets);
    this.rt.write(this.tokenOffsets, index.offsets);
    this.rt.write(this.tokenPositions, index.positions);
  }

  private readback(): GPUBuffer {
    return (
      this.idle.pop() ??
      this.rt.device.createBuffer({
        label: 'stepStats.readback',
        size: (LOSS_STATS_FLOATS * this.options.accumSteps + this.normFloats) * 4,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      })
    );
  }

  /** Frees every GPU buffer of the model; it is unusable afterwards. */
  destroy(): void {
    this.owned.destroy();
    for (const b of this.idle.splice(0)) b.destroy();
  }

  async step(microBatches: Uint32Array[], lr: number, stepNumber: number): Promise<StepStats> {
    const { rt } = this;
    if (microBatches.length !== this.options.accumSteps) {
      throw new Error(
        `expected ${this.options.accumSteps} micro-batches, got ${microBatches.length}`,
      );
    }
    const out = this.readback();
    microBatches.forEach((batch, i) => {
      this.upload(batch);
      const enc = rt.device.createCommandEncoder({ label: `step ${stepNumber}.${i}` });
      rt.encode(enc, this.trainLaunches);
      enc.copyBufferToBuffer(
        this.lossStats,
        0,
        out,
        i * LOSS_STATS_FLOATS * 4,
        LOSS_STATS_FLOATS * 4,
      );
      rt.device.queue.submit([enc.finish()]);
    });
    rt.setParams(
      this.adamLaunch,
      adamwParams(this.adamShape, { lr, ...this.options.adam }, stepNumber),
    );
    const enc = rt.device.createCommandEncoder({ label: `step ${stepNumber} optimizer` });
    rt.encode(enc, this.optimizerLaunches);
    const lossBytes = LOSS_STATS_FLOATS * this.options.accumSteps * 4;
    enc.copyBufferToBuffer(this.normStats, 0, out, lossBytes, this.normFloats * 4);
    rt.device.queue.submit([enc.finish()]);
    await out.mapAsync(GPUMapMode.READ);
    const stats = new Float32Array(out.getMappedRange().slice(0));
    out.unmap();
    this.idle.push(out);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < this.options.accumSteps; i++) {
      sum += stats[i * LOSS_STATS_FLOATS];
      count += stats[i * LOSS_STATS_FLOATS + 1];
    }
    const norms = lossBytes / 4;
    return {
      loss: count > 0 ? sum / count : 0,
      gradNorm: stats[norms],
      partNorms: Array.from(stats.subarray(norms + 2, norms + this.normFloats)),
    };
  }

  /** Logits (rows × V) of one batch of B × T input tokens, for tests and generation checks. */
  async forwardLogits(ids: Uint32Array): Promise<Float32Array> {
    this.rt.write(this.ids, ids);
    this.rt.run(this.forwardLaunches);
    return this.rt.readF32(this.logits);
  }

  /** Mean loss over batches of B × (T+1) tokens, forward only. */
  async evaluate(batches: Uint32Array[]): Promise<number> {
    const { rt } = this;
    rt.write(this.lossStats, new Float32Array(LOSS_STATS_FLOATS));
    for (const batch of batches) {
      this.upload(batch);
      rt.run(this.evalLaunches);
    }
    const stats = await rt.readF32(this.lossStats);
    return stats[1] > 0 ? stats[0] / stats[1] : 0;
  }

  loadState(params: Float32Array, adamM?: Float32Array, adamV?: Float32Array): void {
    const n = this.layout.totalFloats;
    for (const a of [params, adamM, adamV]) {
      if (a && a.length !== n) throw new Error(`state has ${a.length} floats, the model ${n}`);
    }
    this.rt.write(this.params, params);
    this.rt.write(this.adamM, adamM ?? new Float32Array(n));
    this.rt.write(this.adamV, adamV ?? new Float32Array(n));
    this.rt.write(this.grads, new Float32Array(n));
  }

  async readState(): Promise<{ params: Float32Array; adamM: Float32Array; adamV: Float32Array }> {
    const [params, adamM, adamV] = await Promise.all(
      [this.params, this.adamM, this.adamV].map((b) => this.rt.readF32(b)),
    );
    return { params, adamM, adamV };
  }

  /** Gradients accumulated so far (zeroed by each optimizer step), for gradient checks. */
  async computeGradients(batch: Uint32Array): Promise<{ loss: number; grads: Float32Array }> {
    const { rt } = this;
    rt.write(this.grads, new Float32Array(this.layout.totalFloats));
    this.upload(batch);
    rt.run(this.trainLaunches);
    const stats = await rt.readF32(this.lossStats);
    return { loss: stats[2], grads: await rt.readF32(this.grads) };
  }
}
