// Incremental decoding of i3 on the GPU (spec: Generation, and the attention cache). Each sequence
// carries, per block, the SSM state h (D×N), the last K-1 conv inputs and a ring of the last T
// latents c (r floats each, T = max_seq_len); a new token then costs one step of every block.
//
// Context semantics past T (the sliding window): the token at position t (0-based, counting every
// token of the context) attends, in every block, to positions max(0, t−T+1) .. t: the last T
// latents, itself included. The SSM and the conv see every token since the start, so older tokens
// still count through the state. For t < T this is the training forward exactly.
//
// Prefill runs the full-sequence kernels of the training forward (blocks.ts) over the first
// min(P, T) prompt tokens and hands their final states to the step kernels: per block the scan's
// final state (slot 0 of its states buffer, copied per block because the blocks share one), the
// last K-1 conv inputs (rows of u0) and every position's latent (c, from the attention half) into
// the ring. The full kernels attend without a window, which is the definition only while t < T,
// so prompt tokens past T are stepped one by one. Prefilling the last T tokens instead would start
// h and the conv from zero at the window's start and drop every earlier token, which the
// definition keeps through the SSM.
//
// All buffers and step launches are built once per (model, batch); prefill launches once per
// prompt length (a few kept). A token's step is ten fused launches per block in one compute pass
// (pre-norm projections, the SSM step, attention with its query projection, out-projections that
// add into the residual in place). Sampling runs on the GPU (sampling.ts) and feeds the next
// step's input there, so generation queues a few tokens ahead of the 12-byte readbacks (a token and
// how likely the model found it); a stop
// token drawn meanwhile halts the queued steps on the GPU (sample.wgsl), which keeps the context
// exact. appendScored also puts every prefill row through the head (a (T, V) logits buffer, made
// on its first call) and reads back how likely the model found each prompt token
// (token_odds.wgsl) and, asked, each block's attention map over the prefill (attention_map.wgsl,
// from the attention's own q, k and lse): the chat's view of the user's text.
import { EOS_ID, INST_ID } from '../data/specialTokens';
import { bufferAt, type GpuRuntime, type Launch } from '../gpu/runtime';
import { attentionDecode, attentionDecodeCursor, attentionMap } from '../ops/attention';
import { conv1dStateFloats, conv1dStateTail } from '../ops/conv1dStep';
import { embeddingForward } from '../ops/embedding';
import { matmul } from '../ops/matmul';
import { rmsnormForward } from '../ops/rmsnorm';
import { rmsnormMatvec } from '../ops/rmsnormMatvec';
import {
  createSelectiveScanStates,
  finalStateView,
  selectiveScanBufferBytes,
} from '../ops/selectiveScan';
import { ssmStep } from '../ops/ssmStep';
import { attnForward, type BlockContext, ssmForward, view } from './blocks';
import { allocateScratch, bufferPlan, keptFloats, scanShape, scratchPlan } from './buffers';
import type { I3Config } from './config';
import { type ParameterLayout, parameterLayout } from './params';
import {
  checkSampling,
  DEFAULT_SAMPLING,
  type DrawnToken,
  drawnTokens,
  SAMPLE_WORDS,
  type SamplingSettings,
  sampleParams,
  sampleTokens,
} from './sampling';
import {
  ODDS_WORDS,
  readTokenOdds,
  type TokenOdds,
  tokenOddsLaunch,
  tokenOddsParams,
} from './tokenOdds';

export interface DecoderOptions {
  /** Sequences decoded in lockstep (same length); generate() needs 1. Default 1. */
  batch?: number;
  /**
   * Decode from this parameter buffer (params.ts's layout), read in place and never freed or
   * written: a training run's live weights. Default: a buffer of the decoder's own (loadParams).
   */
  params?: GPUBuffer;
}

/** `<eos>` ends the assistant's turn in the chat template; `[INST]` would open the next one. */
export const DEFAULT_STOP_TOKENS: readonly number[] = [EOS_ID, INST_ID];
export const DEFAULT_MAX_NEW_TOKENS = 256;

export interface GenerateOptions {
  /** Over DEFAULT_SAMPLING; without a seed, a random one. */
  sampling?: Partial<SamplingSettings>;
  /** Default DEFAULT_MAX_NEW_TOKENS. */
  maxNewTokens?: number;
  /** Sampling one of these ends the generation; it is not yielded. Default DEFAULT_STOP_TOKENS. */
  stopTokens?: readonly number[];
  /** Aborting ends the generation at once, even while the GPU is still working. */
  signal?: AbortSignal;
  /** Append the prompt to the current context instead of starting afresh. Default false. */
  continueContext?: boolean;
  /** The only tokens the first draw may pick (token healing, src/data/tokenHealing.ts). */
  firstTokens?: readonly number[];
}

/** Why a generation ended: a stop token, maxNewTokens, or the abort signal. */
export type FinishReason = 'stop' | 'length' | 'abort';

/** Prefill launches for one prompt length. */
interface PrefillPlan {
  embed: Launch;
  ssm: Launch[][];
  attn: Launch[][];
  /** The final norm and head over every row (appendScored's logits), made on first use. */
  head?: Launch[];
  /** Each block's attention map into the decoder's maps buffer (appendScored's), the same. */
  maps?: Launch[];
}

/**
 * appendScored's launches: token_odds over the prefill's rows and over one step's logits; and
 * whether the prefill maps each block's attention.
 */
interface Scoring {
  /** Tokens scored: the logits after tokens 0 .. scored − 1 each score the token that follows. */
  scored: number;
  prefill: Launch;
  step: Launch;
  attention: boolean;
}

/**
 * Bytes the attention maps of a prefill may take: i3-22m's 24 blocks map prompts of up to 591
 * tokens (its whole window of 256 takes 6 MiB); a prompt past that gets odds without maps.
 */
const MAP_BYTES = 32 * 2 ** 20;

/** What appendScored finds: each token's odds, and where the prefill's tokens looked. */
export interface PromptScore {
  /** odds[i]: the odds of tokens[i + 1], then of `next`. */
  odds: TokenOdds[];
  /**
   * Each block's attention map over the first `size` tokens (the prefill's, at most the window):
   * weights[(l · size + i) · size + j] is what token i's query gave token j ≤ i in block l,
   * averaged over the heads (attentionMap).
   */
  attention?: { size: number; weights: Float32Array };
}

/** How many prompt lengths keep their prefill launches. */
const PREFILL_PLANS = 4;

/** Tokens a generation queues on the GPU ahead of the one it reads back. */
const PIPELINE_DEPTH = 3;

/** The step's scratch, per sequence: in_proj.down, [u0 | z], [δ | Bt | Ct], gate, latent, … */
const STEP_SCRATCH = {
  h1: 'r',
  uz: '2D',
  dbc: 'R+2N',
  g: 'D',
  o1: 'r',
  c: 'r',
  a: 'D',
} as const;

type StepScratch = Record<keyof typeof STEP_SCRATCH, GPUBuffer>;

const ABORTED = Symbol('aborted');

/** p, or ABORTED as soon as the signal fires (p then settles unobserved). */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | typeof ABORTED> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Floats of every buffer a decoder of `batch` sequences makes itself, by label: the single source
 * for its allocation and decoderBytes ('params' only when it is not given a parameter buffer).
 */
function decoderPlan(config: I3Config, batch: number): Record<string, number> {
  const { d_model: D, n_layers: L, d_state: N, rank: r, d_conv: K, vocab_size: V } = config;
  const T = config.max_seq_len;
  const shape = { B: batch, T };
  const plan: Record<string, number> = { params: parameterLayout(config).totalFloats };
  for (let l = 0; l < L; l++) {
    plan[`h.${l}`] = batch * D * N;
    plan[`conv.${l}`] = conv1dStateFloats({ B: batch, D, K });
    plan[`cache.${l}`] = batch * T * r;
  }
  Object.assign(plan, {
    ids: SAMPLE_WORDS * batch,
    seen: batch * V,
    cursor: 4,
    halt: 1,
    stops: V,
    allowed: V,
    noRing: 1,
    x: batch * D,
    logits: batch * V,
    unused: 4,
    lse: keptFloats(config, shape).lse,
    splitScratch: Math.max(1, bufferPlan(config, shape).splitScratch),
    prefillIds: batch * T,
    'prefillX.0': batch * T * D,
    'prefillX.1': batch * T * D,
  });
  const width = { D, r, '2D': 2 * D, 'R+2N': config.dt_rank + 2 * N };
  for (const [name, w] of Object.entries(STEP_SCRATCH)) plan[name] = batch * width[w];
  return plan;
}

/**
 * The GPU memory a decoder of `batch` sequences takes, in bytes (its launches' uniform buffers
 * aside): its own buffers, the prefill's scratch and scan states, and, unless it decodes from a
 * parameter buffer it is given (`sharedParams`), its copy of the weights. A decoder that scores
 * a prompt (appendScored) takes T · V floats more from then on, and its attention maps up to
 * MAP_BYTES more.
 */
export function decoderBytes(config: I3Config, batch = 1, sharedParams = false): number {
  const shape = { B: batch, T: config.max_seq_len };
  const { params, ...own } = decoderPlan(config, batch);
  const sum = (plan: Record<string, number>) => Object.values(plan).reduce((a, b) => a + b, 0);
  const floats = sum(own) + sum(scratchPlan(config, shape)) + (sharedParams ? 0 : params);
  return floats * 4 + selectiveScanBufferBytes(scanShape(config, shape)).states;
}

export class I3Decoder {
  readonly layout: ParameterLayout;
  /** Sequences decoded together. */
  readonly batch: number;
  /** Latents kept per block and sequence: the attention window (max_seq_len). */
  readonly window: number;
  readonly params: GPUBuffer;
  /** Next-token logits (batch, V) of the context, kept current by every call. */
  readonly logits: GPUBuffer;
  private readonly owned: GPUBuffer[] = [];
  private readonly h: GPUBuffer[] = [];
  private readonly conv: GPUBuffer[] = [];
  private readonly cache: GPUBuffer[] = [];
  /** The step's input tokens (batch u32): written by the CPU, or by the sampler. */
  private readonly ids: GPUBuffer;
  /** (batch, V) u32, nonzero for tokens in the context or sampled: the repetition penalty's set. */
  private readonly seen: GPUBuffer;
  /** u32 [slot, len, start] of the token being stepped: its latent's ring slot, the window. */
  private readonly cursor: GPUBuffer;
  /** u32, set on the GPU when a stop token is drawn: the queued steps then change nothing. */
  private readonly halt: GPUBuffer;
  /** (V) u32, nonzero = a stop token of the running generation. */
  private readonly stops: GPUBuffer;
  /** (V) u32, nonzero = a token the first draw may pick when GenerateOptions.firstTokens says. */
  private readonly allowed: GPUBuffer;
  /** The ring binding of pre-norm projections that cache nothing (writable bindings must not alias). */
  private readonly noRing: GPUBuffer;
  /** The residual stream (batch, D); each half's out-projection adds into it in place. */
  private readonly x: GPUBuffer;
  private readonly s: StepScratch;
  /** Idle MAP_READ buffers for the sampled tokens (an aborted generation may leave one busy). */
  private readonly readbacks: GPUBuffer[] = [];
  private readonly prefillCtx: BlockContext;
  private readonly prefillIds: GPUBuffer;
  private readonly prefillX: [GPUBuffer, GPUBuffer];
  private readonly plans = new Map<number, PrefillPlan>();
  /** (window, V) logits of every prefill row, for appendScored: made on its first call. */
  private rowLogits?: GPUBuffer;
  /** (L, P, P) attention maps of a prefill of P ≤ mapTokens, the same. */
  private maps?: GPUBuffer;
  /** One token's step through every block, without the head. */
  private step: Launch[] = [];
  private head: Launch[] = [];
  private sampler!: Launch;
  private pos = 0;
  private generating = false;
  /** A generation ended with tokens still queued: the context holds tokens never read back. */
  private lost = false;

  private constructor(
    readonly rt: GpuRuntime,
    readonly config: I3Config,
    batch: number,
    params?: GPUBuffer,
  ) {
    const { n_layers: L } = config;
    const T = config.max_seq_len;
    this.layout = parameterLayout(config);
    this.batch = batch;
    this.window = T;
    const plan = decoderPlan(config, batch);
    const f = (label: string) => {
      const b = rt.buffer(`decode.${label}`, plan[label] * 4);
      this.owned.push(b);
      return b;
    };
    if (params && params.size < plan.params * 4) {
      throw new Error(`decoder: a ${params.size}-byte parameter buffer, the model needs more`);
    }
    this.params = params ?? f('params');
    for (let l = 0; l < L; l++) {
      this.h.push(f(`h.${l}`));
      this.conv.push(f(`conv.${l}`));
      this.cache.push(f(`cache.${l}`));
    }
    this.ids = f('ids');
    this.seen = f('seen');
    this.cursor = f('cursor');
    this.halt = f('halt');
    this.stops = f('stops');
    this.allowed = f('allowed');
    this.noRing = f('noRing');
    this.x = f('x');
    this.logits = f('logits');
    const s: Partial<StepScratch> = {};
    for (const name of Object.keys(STEP_SCRATCH) as (keyof StepScratch)[]) s[name] = f(name);
    this.s = s as StepScratch;

    // Prefill: the training forward's blocks on B = batch sequences of up to T tokens. The forward
    // never touches the gradient buffers or the backward's scratch: one small placeholder.
    const shape = { B: batch, T };
    const scratch = allocateScratch(rt, config, shape);
    this.owned.push(...scratch.buffers);
    const states = createSelectiveScanStates(rt, scanShape(config, shape), 'decode.scanStates');
    const unused = f('unused');
    this.owned.push(states);
    this.prefillCtx = {
      rt,
      config,
      layout: this.layout,
      rows: batch * T,
      B: batch,
      T,
      params: this.params,
      grads: unused,
      s: scratch,
      lse: f('lse'),
      scanStates: states,
      scanScratch: unused,
      splitScratch: f('splitScratch'),
      weightGradScratch: unused,
      partials: unused,
    };
    this.prefillIds = f('prefillIds');
    this.prefillX = [f('prefillX.0'), f('prefillX.1')];
  }

  static async create(
    rt: GpuRuntime,
    config: I3Config,
    options: DecoderOptions = {},
  ): Promise<I3Decoder> {
    const batch = options.batch ?? 1;
    if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`decoder: batch ${batch}`);
    const decoder = new I3Decoder(rt, config, batch, options.params);
    await decoder.buildStep();
    return decoder;
  }

  /** Tokens in the context of each sequence. */
  get position(): number {
    return this.pos;
  }

  /** Loads a checkpoint's parameters (the flat layout of params.ts) and empties the context. */
  loadParams(params: Float32Array): void {
    if (params.length !== this.layout.totalFloats) {
      throw new Error(`decoder: ${params.length} floats, the model has ${this.layout.totalFloats}`);
    }
    this.rt.write(this.params, params);
    this.reset();
  }

  /** Empties the context (state, conv inputs, latents and the penalty's token set). */
  reset(): void {
    this.pos = 0;
    this.lost = false;
    const enc = this.rt.device.createCommandEncoder({ label: 'decode.reset' });
    for (const b of [this.seen, this.halt, ...this.h, ...this.conv]) enc.clearBuffer(b);
    this.rt.device.queue.submit([enc.finish()]);
  }

  /**
   * Appends `tokens` (batch × n, sequence b at b·n .. b·n+n) to the context: a full-kernel
   * prefill when the context is empty, steps otherwise. Afterwards `logits` holds the next-token
   * logits. Resolves once submitted (the GPU runs on; later calls queue behind it). Not during a
   * generation.
   */
  append(tokens: Uint32Array): Promise<void> {
    return this.appendTokens(tokens);
  }

  /**
   * append() into an empty context (batch 1), and how likely the model found each token after
   * the first given the tokens before it: odds[i] is tokens[i + 1]'s; with `next`, a token that
   * is not appended (token healing's), its odds after them all come last. The prefill's rows go
   * through the head together; tokens past the window are scored as they are stepped. With
   * `attention`, also each block's attention map over the prefill's tokens.
   */
  async appendScored(
    tokens: Uint32Array,
    options: { next?: number; attention?: boolean } = {},
  ): Promise<PromptScore> {
    if (this.batch !== 1) throw new Error('decoder: appendScored() scores one sequence (batch 1)');
    if (this.pos !== 0) throw new Error('decoder: appendScored() starts from an empty context');
    const { rt, config } = this;
    const { vocab_size: V } = config;
    const { next } = options;
    const all = next === undefined ? tokens : Uint32Array.of(...tokens, next);
    const scored = tokens.length === 0 ? 0 : all.length - 1;
    if (scored === 0) {
      await this.appendTokens(tokens);
      return { odds: [] };
    }
    if (next !== undefined && !(next >= 0 && next < V)) {
      throw new RangeError(`token id ${next} is outside the vocabulary`);
    }
    if (!this.rowLogits) {
      this.rowLogits = rt.buffer('decode.rowLogits', this.window * V * 4);
      this.owned.push(this.rowLogits);
    }
    const P = Math.min(tokens.length, this.window);
    const mapped = options.attention === true && this.mapsFor(P) !== undefined;
    const targets = rt.bufferFrom('decode.oddsTargets', all);
    const out = rt.buffer('decode.odds', ODDS_WORDS * scored * 4);
    const scoring: Scoring = {
      scored,
      attention: mapped,
      prefill: await tokenOddsLaunch(
        rt,
        { logits: this.rowLogits, targets, out },
        { rows: Math.min(this.window, scored), V, targetOffset: 1, outOffset: 0 },
      ),
      step: await tokenOddsLaunch(
        rt,
        { logits: this.logits, targets, out },
        { rows: 1, V, targetOffset: 0, outOffset: 0 },
      ),
    };
    try {
      await this.appendTokens(tokens, scoring);
      const odds = readTokenOdds(new Uint32Array(await rt.read(out)), scored);
      if (!(mapped && this.maps)) return { odds };
      return { odds, attention: await this.readMaps(P) };
    } finally {
      for (const l of [scoring.prefill, scoring.step]) rt.destroy(l.uniform);
      rt.destroyAll([targets, out]);
    }
  }

  /**
   * Each block's attention map over the first min(n, window) tokens (batch 1, from an empty
   * context), as appendScored makes them but without the tokens' odds: one prefill of those tokens
   * and nothing else (no head over its rows, no steps past the window). Undefined where the maps
   * would not fit MAP_BYTES. The context is empty again afterwards.
   */
  async mapAttention(tokens: Uint32Array): Promise<PromptScore['attention']> {
    if (this.batch !== 1) throw new Error('decoder: mapAttention() maps one sequence (batch 1)');
    if (this.pos !== 0) throw new Error('decoder: mapAttention() starts from an empty context');
    this.checkContext();
    const P = Math.min(tokens.length, this.window);
    if (P === 0 || !this.mapsFor(P)) return undefined;
    await this.prefill(tokens.subarray(0, P), P, P, undefined, true);
    const maps = await this.readMaps(P);
    this.reset();
    return maps;
  }

  /** The maps buffer (made on first use) where a prefill of P tokens can be mapped, else none. */
  private mapsFor(P: number): GPUBuffer | undefined {
    if (P > this.mapTokens) return undefined;
    if (!this.maps) {
      this.maps = this.rt.buffer(
        'decode.attentionMaps',
        this.config.n_layers * this.mapTokens ** 2 * 4,
      );
      this.owned.push(this.maps);
    }
    return this.maps;
  }

  /** The maps of the last mapped prefill of P tokens. */
  private async readMaps(P: number): Promise<{ size: number; weights: Float32Array }> {
    const floats = this.config.n_layers * P * P;
    return { size: P, weights: await this.rt.readF32(this.maps as GPUBuffer, floats) };
  }

  /**
   * The most prefill tokens appendScored maps the attention of: the maps (L·P² floats, kept for
   * the next call) stay within MAP_BYTES.
   */
  private get mapTokens(): number {
    const most = Math.floor(Math.sqrt(MAP_BYTES / 4 / this.config.n_layers));
    return Math.min(this.window, most);
  }

  private async appendTokens(tokens: Uint32Array, scoring?: Scoring): Promise<void> {
    const { batch: Bq, rt } = this;
    const V = this.config.vocab_size;
    if (tokens.length % Bq !== 0) {
      throw new Error(`decoder: ${tokens.length} tokens do not split into ${Bq} sequences`);
    }
    this.checkContext();
    const n = tokens.length / Bq;
    if (n === 0) return;
    const marked = new Set<number>();
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] >= V) throw new RangeError(`token id ${tokens[i]} is outside the vocabulary`);
      const at = Math.floor(i / n) * V + tokens[i];
      if (!marked.has(at)) rt.write(this.seen, Uint32Array.of(1), at * 4);
      marked.add(at);
    }
    let j = 0;
    if (this.pos === 0) {
      j = Math.min(n, this.window);
      await this.prefill(tokens, n, j, scoring);
    }
    for (; j < n; j++) {
      rt.write(
        this.ids,
        Uint32Array.from({ length: Bq }, (_, b) => tokens[b * n + j]),
      );
      const enc = rt.device.createCommandEncoder({ label: 'decode.step' });
      if (scoring && j < scoring.scored) {
        // This step's logits against the next token, into that token's words.
        rt.setParams(
          scoring.step,
          tokenOddsParams({ rows: 1, V, targetOffset: j + 1, outOffset: j }),
        );
        this.encodeStep(enc, [...this.head, scoring.step]);
      } else {
        this.encodeStep(enc, j === n - 1 ? this.head : []);
      }
      rt.device.queue.submit([enc.finish()]);
    }
  }

  /** The next-token logits (batch, V). */
  readLogits(): Promise<Float32Array> {
    return this.rt.readF32(this.logits, this.batch * this.config.vocab_size);
  }

  /**
   * Draws each sequence's next token from the logits (draw = index of the token in its
   * generation, which with the seed fixes the randomness). The tokens are pending: not yet in the
   * context; accept() appends them.
   */
  sample(settings: SamplingSettings, draw: number): Promise<DrawnToken[]> {
    this.checkContext();
    return this.submitSampling(settings, draw, false, false);
  }

  /** accept() then sample(), in one submit with one readback. */
  acceptAndSample(settings: SamplingSettings, draw: number): Promise<DrawnToken[]> {
    this.checkContext();
    return this.submitSampling(settings, draw, true, false);
  }

  /** Appends the pending sampled tokens to the context (no readback). */
  accept(): void {
    const enc = this.rt.device.createCommandEncoder({ label: 'decode.accept' });
    this.encodeStep(enc, this.head);
    this.rt.device.queue.submit([enc.finish()]);
  }

  /**
   * Generates tokens after `prompt` (batch 1), one at a time, with up to PIPELINE_DEPTH of them
   * queued on the GPU. Returns why it ended. After a stop or the length limit the context holds
   * the prompt, every yielded token, and the stop token if one ended it, so that
   * `continueContext` can go on from there. After an abort (or a consumer that stops iterating)
   * the queued tokens have entered the context unseen: it is dropped, and the next generation
   * must start afresh. One generation at a time.
   */
  async *generate(
    prompt: Uint32Array,
    options: GenerateOptions = {},
  ): AsyncGenerator<DrawnToken, FinishReason, undefined> {
    if (this.batch !== 1) throw new Error('decoder: generate() decodes one sequence (batch 1)');
    if (this.generating) throw new Error('decoder: a generation is already running');
    const settings: SamplingSettings = {
      ...DEFAULT_SAMPLING,
      seed: (Math.random() * 2 ** 32) >>> 0,
      ...options.sampling,
    };
    checkSampling(settings);
    const max = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
    const stops = new Set(options.stopTokens ?? DEFAULT_STOP_TOKENS);
    const { signal } = options;
    this.generating = true;
    // Draws submitted, each with its readback; draw k > 0 also stepped token k-1.
    const queued: Promise<DrawnToken[]>[] = [];
    let submitted = 0;
    let ended = false;
    try {
      if (!options.continueContext) this.reset();
      this.checkContext();
      if (prompt.length === 0 && this.pos === 0) throw new Error('decoder: nothing to continue');
      await this.append(prompt);
      this.setStops(stops);
      const { firstTokens } = options;
      if (firstTokens) this.rt.write(this.allowed, this.marks(firstTokens));
      for (let draw = 0; draw < max; draw++) {
        if (signal?.aborted) return 'abort';
        for (; submitted < max && queued.length < PIPELINE_DEPTH; submitted++) {
          const restricted = submitted === 0 && firstTokens !== undefined;
          queued.push(this.submitSampling(settings, submitted, submitted > 0, true, restricted));
        }
        const got = await abortable(queued.shift() as Promise<DrawnToken[]>, signal);
        if (got === ABORTED) return 'abort';
        if (stops.has(got[0].id)) {
          // The steps queued after this draw ran halted: they advanced pos here only.
          this.pos -= submitted - 1 - draw;
          ended = true;
          return 'stop';
        }
        if (draw === max - 1) ended = true;
        yield got[0];
      }
      ended = true;
      return 'length';
    } finally {
      // Draws no one will read: their readbacks still return to the pool when they land.
      for (const q of queued) q.catch(() => undefined);
      if (ended && submitted > 0) {
        // Clear the halt (queued after every submitted step) and step the last drawn token.
        this.rt.write(this.halt, Uint32Array.of(0));
        this.accept();
      } else if (submitted > 0) {
        this.lost = true;
      }
      this.setStops(new Set());
      this.generating = false;
    }
  }

  /** Frees every buffer and launch of the decoder. */
  destroy(): void {
    for (const plan of this.plans.values()) this.dropPlan(plan);
    const launches = [...this.step, ...this.head, this.sampler];
    for (const l of launches) this.rt.destroy(l.uniform);
    for (const b of this.owned) this.rt.destroy(b);
    for (const b of this.readbacks) b.destroy();
  }

  private checkContext(): void {
    if (this.lost && this.pos > 0) {
      throw new Error(
        'decoder: the last generation was interrupted with tokens still queued, so its context ' +
          'is not known; start a new one (without continueContext)',
      );
    }
  }

  /** Marks the stop tokens for the sampler's halt (an empty set: none). */
  private setStops(stops: ReadonlySet<number>): void {
    this.rt.write(this.stops, this.marks(stops));
  }

  /** A (V) u32 array with 1 at each of these tokens (those in the vocabulary). */
  private marks(tokens: Iterable<number>): Uint32Array {
    const V = this.config.vocab_size;
    const marks = new Uint32Array(V);
    for (const t of tokens) if (t >= 0 && t < V) marks[t] = 1;
    return marks;
  }

  // ---- building ----

  /** y (batch, outF) (+)= x · Wᵀ for the weight at `w` floats into the parameters. */
  private linear(x: GPUBuffer, w: number, y: GPUBuffer, inF: number, outF: number, add = false) {
    return matmul(this.rt, x, this.params, y, {
      M: this.batch,
      N: outF,
      K: inF,
      transB: true,
      offB: w,
      accumulate: add,
    });
  }

  /** y (batch, outF) = RMSNorm(x) · Wᵀ, the norm weight at `norm`; `ring` also caches y. */
  private normLinear(norm: number, w: number, y: GPUBuffer, outF: number, ring?: GPUBuffer) {
    const { config, rt } = this;
    return rmsnormMatvec(
      rt,
      {
        x: this.x,
        params: this.params,
        out: y,
        ring: ring ?? this.noRing,
        cursor: this.cursor,
        halt: this.halt,
      },
      {
        M: this.batch,
        N: outF,
        K: config.d_model,
        offW: w,
        offNorm: norm,
        eps: config.norm_eps,
        ringStride: ring ? this.window * outF : undefined,
      },
    );
  }

  private async buildStep(): Promise<void> {
    const { rt, config, s, batch: Bq } = this;
    const { d_model: D, rank: r, dt_rank: R, d_state: N, d_conv: K } = config;
    const V = config.vocab_size;
    const at = (name: string) => this.layout.byName[name].offset;
    this.step = [
      await embeddingForward(
        rt,
        this.ids,
        view(this.prefillCtx, this.params, 'model.embed_tokens.weight'),
        this.x,
        { rows: Bq, D, V },
      ),
    ];
    for (let l = 0; l < config.n_layers; l++) {
      const n = (name: string) => at(`model.layers.${l}.${name}`);
      const up = n('ssm.in_proj.up.weight');
      this.step.push(
        await this.normLinear(n('ssm_norm.weight'), n('ssm.in_proj.down.weight'), s.h1, r),
        await this.linear(s.h1, up, s.uz, r, 2 * D),
        ...(await ssmStep(
          rt,
          {
            params: this.params,
            uz: s.uz,
            dbc: s.dbc,
            convState: this.conv[l],
            h: this.h[l],
            g: s.g,
            halt: this.halt,
          },
          { B: Bq, D, N, R, K },
          {
            convW: n('ssm.conv.weight'),
            convB: n('ssm.conv.bias'),
            xProj: n('ssm.x_proj.weight'),
            dtW: n('ssm.dt_proj.weight'),
            dtB: n('ssm.dt_proj.bias'),
            ALog: n('ssm.A_log'),
            Dskip: n('ssm.D'),
          },
        )),
        await this.linear(s.g, n('ssm.out_proj.down.weight'), s.o1, D, r),
        await this.linear(s.o1, n('ssm.out_proj.up.weight'), this.x, r, D, true),
        await this.normLinear(
          n('attn_norm.weight'),
          n('attn.latent.weight'),
          s.c,
          r,
          this.cache[l],
        ),
        await attentionDecode(
          rt,
          { c: s.c, cache: this.cache[l], params: this.params, cursor: this.cursor, out: s.a },
          { Bq, D, H: config.n_heads, r, Tmax: this.window },
          { wq: n('attn.q.weight'), wk: n('attn.k.weight'), wv: n('attn.v.weight') },
        ),
        await this.linear(s.a, n('attn.out_proj.down.weight'), s.o1, D, r),
        await this.linear(s.o1, n('attn.out_proj.up.weight'), this.x, r, D, true),
      );
    }
    this.head = [
      await this.normLinear(
        at('model.norm.weight'),
        at('model.embed_tokens.weight'),
        this.logits,
        V,
      ),
    ];
    this.sampler = await sampleTokens(
      rt,
      {
        logits: this.logits,
        seen: this.seen,
        ids: this.ids,
        halt: this.halt,
        stops: this.stops,
        allowed: this.allowed,
      },
      { Bq, V },
      { ...DEFAULT_SAMPLING, seed: 0 },
    );
  }

  private async prefillPlan(P: number): Promise<PrefillPlan> {
    const cached = this.plans.get(P);
    if (cached) {
      this.plans.delete(P);
      this.plans.set(P, cached);
      return cached;
    }
    const { rt, config } = this;
    const ctx: BlockContext = { ...this.prefillCtx, rows: this.batch * P, T: P };
    const [xa, xb] = this.prefillX;
    const plan: PrefillPlan = {
      embed: await embeddingForward(
        rt,
        this.prefillIds,
        view(ctx, this.params, 'model.embed_tokens.weight'),
        xa,
        { rows: ctx.rows, D: config.d_model, V: config.vocab_size },
      ),
      ssm: [],
      attn: [],
    };
    for (let l = 0; l < config.n_layers; l++) {
      plan.ssm.push(await ssmForward(ctx, l, xa, xb));
      plan.attn.push(await attnForward(ctx, l, xb, xa));
    }
    this.plans.set(P, plan);
    if (this.plans.size > PREFILL_PLANS) {
      const [oldest, evicted] = this.plans.entries().next().value as [number, PrefillPlan];
      this.plans.delete(oldest);
      this.dropPlan(evicted);
    }
    return plan;
  }

  /** The final norm and the tied head over a P-token prefill's rows, into rowLogits. */
  private async rowHead(plan: PrefillPlan, P: number, rowLogits: GPUBuffer): Promise<Launch[]> {
    if (plan.head) return plan.head;
    const { rt, config } = this;
    const { d_model: D, vocab_size: V } = config;
    const ctx = this.prefillCtx;
    // The prefill's gradient scratch is free: dxn takes the normed rows, rstd their scales.
    plan.head = [
      await rmsnormForward(
        rt,
        this.prefillX[0],
        view(ctx, this.params, 'model.norm.weight'),
        ctx.s.dxn,
        ctx.s.rstd,
        { rows: P, D, eps: config.norm_eps },
      ),
      await matmul(rt, ctx.s.dxn, this.params, rowLogits, {
        M: P,
        N: V,
        K: D,
        transB: true,
        offB: this.layout.byName['model.embed_tokens.weight'].offset,
      }),
    ];
    return plan.head;
  }

  /** Each block's attention map over a P-token prefill, into `maps` at l · P² floats. */
  private async attentionMaps(plan: PrefillPlan, P: number, maps: GPUBuffer): Promise<Launch[]> {
    if (plan.maps) return plan.maps;
    const { rt } = this;
    const { n_layers: L, n_heads: H, d_model: D } = this.config;
    const { s, lse } = this.prefillCtx;
    plan.maps = await Promise.all(
      Array.from({ length: L }, (_, l) =>
        attentionMap(rt, s.q, s.k, lse, maps, { T: P, H, D }, l * P * P),
      ),
    );
    return plan.maps;
  }

  private dropPlan(plan: PrefillPlan): void {
    const launches = [plan.embed, ...plan.ssm.flat(), ...plan.attn.flat()];
    for (const l of [...launches, ...(plan.head ?? []), ...(plan.maps ?? [])]) {
      this.rt.destroy(l.uniform);
    }
  }

  // ---- running ----

  /**
   * The first P of n tokens per sequence through the full kernels, from an empty context; with
   * `scoring` (batch 1), every row's logits as well, against the tokens that follow.
   */
  private async prefill(
    tokens: Uint32Array,
    n: number,
    P: number,
    scoring?: Scoring,
    mapped = scoring?.attention === true,
  ): Promise<void> {
    const { rt, config, batch: Bq } = this;
    const { d_model: D, d_state: N, rank: r, d_conv: K, n_layers: L } = config;
    const T = this.window;
    const plan = await this.prefillPlan(P);
    const scored =
      scoring && this.rowLogits
        ? [...(await this.rowHead(plan, P, this.rowLogits)), scoring.prefill]
        : [];
    const maps = mapped && this.maps ? await this.attentionMaps(plan, P, this.maps) : [];
    const ids = new Uint32Array(Bq * P);
    for (let b = 0; b < Bq; b++) ids.set(tokens.subarray(b * n, b * n + P), b * P);
    rt.write(this.prefillIds, ids);
    const s = this.prefillCtx.s;
    const [xa] = this.prefillX;
    const tail = conv1dStateTail(P, K);
    const final = finalStateView(this.prefillCtx.scanStates, scanShape(config, { B: Bq, T: P }));
    const enc = rt.device.createCommandEncoder({ label: 'decode.prefill' });
    rt.encode(enc, [plan.embed]);
    for (let l = 0; l < L; l++) {
      rt.encode(enc, plan.ssm[l]);
      enc.copyBufferToBuffer(final.buffer, final.offset ?? 0, this.h[l], 0, Bq * D * N * 4);
      const u0 = bufferAt(s.u0);
      for (let b = 0; b < Bq; b++) {
        enc.copyBufferToBuffer(
          u0.buffer,
          u0.offset + (b * P + tail.fromRow) * D * 4,
          this.conv[l],
          (b * (K - 1) + tail.toSlot) * D * 4,
          tail.count * D * 4,
        );
      }
      rt.encode(enc, plan.attn[l]);
      rt.encode(enc, maps.slice(l, l + 1));
      const c = bufferAt(s.c);
      for (let b = 0; b < Bq; b++) {
        const from = c.offset + b * P * r * 4;
        enc.copyBufferToBuffer(c.buffer, from, this.cache[l], b * T * r * 4, P * r * 4);
      }
    }
    for (let b = 0; b < Bq; b++) {
      enc.copyBufferToBuffer(xa, ((b + 1) * P - 1) * D * 4, this.x, b * D * 4, D * 4);
    }
    rt.encode(enc, [...scored, ...(P === n ? this.head : [])]);
    rt.device.queue.submit([enc.finish()]);
    this.pos = P;
  }

  /**
   * Records one step of the tokens in `ids` at position `pos` (its latent to ring slot pos mod T;
   * attention over the last min(pos+1, T) latents), then `tail` (head, sampler); advances pos.
   * The cursor write is queued before this command buffer's submit, so steps queued back to back
   * each see their own. Attention has no positions: only which slots it reads matters.
   */
  private encodeStep(enc: GPUCommandEncoder, tail: Launch[]): void {
    this.rt.write(this.cursor, attentionDecodeCursor(this.window, this.pos));
    this.rt.encode(enc, [...this.step, ...tail]);
    this.pos++;
  }

  /** Records and submits at once (no await before the submit, so an abort cannot reorder it). */
  private submitSampling(
    settings: SamplingSettings,
    draw: number,
    accept: boolean,
    haltOnStop: boolean,
    restricted = false,
  ): Promise<DrawnToken[]> {
    const { rt, batch: Bq } = this;
    const shape = { Bq, V: this.config.vocab_size };
    rt.setParams(this.sampler, sampleParams(shape, settings, draw, haltOnStop, restricted));
    const enc = rt.device.createCommandEncoder({ label: 'decode.sample' });
    if (accept) this.encodeStep(enc, [...this.head, this.sampler]);
    else rt.encode(enc, [this.sampler]);
    const readback =
      this.readbacks.pop() ??
      rt.device.createBuffer({
        label: 'decode.readback',
        size: Math.max(16, SAMPLE_WORDS * Bq * 4),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    const size = SAMPLE_WORDS * Bq * 4;
    enc.copyBufferToBuffer(this.ids, 0, readback, 0, size);
    rt.device.queue.submit([enc.finish()]);
    return readback.mapAsync(GPUMapMode.READ).then(() => {
      const out = drawnTokens(new Uint32Array(readback.getMappedRange(0, size).slice(0)), Bq);
      readback.unmap();
      this.readbacks.push(readback);
      return out;
    });
  }
}
