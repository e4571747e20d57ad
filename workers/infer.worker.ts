/// <reference lib="webworker" />
// The chat worker: a GPU device of its own (WebGPU allows several per page, so chat runs while the
// train worker trains), one checkpoint loaded from IndexedDB at a time, and generation that
// streams text to the UI as tokens come. Tokenizing and the chat template run here too, so the UI
// thread only renders. It speaks only the infer-worker messages of src/protocol.ts.

import type { ChunkTokenizer } from '../src/data/chunkTokenizer';
import { browserShaders } from '../src/gpu/browserShaders';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuRuntime } from '../src/gpu/runtime';
import { type I3Config, parameterCount } from '../src/model/config';
import { I3Decoder, type PromptScore } from '../src/model/decode';
import {
  type GeneratedPiece,
  generateText,
  generationTokenizer,
  promptAttention,
  promptIds,
  promptPieces,
} from '../src/model/textGeneration';
import type { InferEvent, InferRequest, LoadedModel } from '../src/protocol';
import { decodeCheckpoint } from '../src/train/checkpoint';
import { getCheckpointBytes } from '../src/train/runStore';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: InferEvent) => self.postMessage(event);

/** Text deltas go out at most this often; faster tokens are batched into one event. */
const DELTA_MS = 33;

interface Loaded {
  model: LoadedModel;
  tokenizer: ChunkTokenizer;
  decoder: I3Decoder;
}

let gpu: Promise<GpuRuntime> | undefined;
let loaded: Loaded | undefined;
/** Loads and generations run one after another; stop requests bypass the queue. */
let queue: Promise<void> = Promise.resolve();
const controllers = new Map<string, AbortController>();

function runtime(): Promise<GpuRuntime> {
  gpu ??= acquireGpu(navigator.gpu).then((ctx) => {
    ctx.lost.then((info) => {
      if (info.reason === 'destroyed') return;
      loaded = undefined;
      gpu = undefined;
      for (const c of controllers.values()) c.abort();
      post({
        type: 'device-lost',
        message:
          `The chat worker's GPU device was lost (${info.message || 'no reason given'}). ` +
          'Send again to start a new device.',
      });
    });
    return new GpuRuntime(ctx, browserShaders);
  });
  gpu.catch(() => {
    gpu = undefined;
  });
  return gpu;
}

const sameConfig = (a: I3Config, b: I3Config) => JSON.stringify(a) === JSON.stringify(b);

/** The checkpoint's weights on the GPU, checked before anything is replaced. */
async function ensureLoaded(checkpointId: string): Promise<Loaded> {
  if (loaded?.model.checkpointId === checkpointId) return loaded;
  post({ type: 'loading', checkpointId });
  const bytes = await getCheckpointBytes(checkpointId);
  if (!bytes) {
    throw new Error('This checkpoint is no longer stored. Pick another one.');
  }
  const { meta, params } = await decodeCheckpoint(bytes);
  const tokenizer = generationTokenizer(meta);
  const rt = await runtime();
  let decoder = loaded?.decoder;
  if (!decoder || !sameConfig(decoder.config, meta.config)) {
    // Build the new decoder before dropping the old one: a failure leaves the old model usable.
    const fresh = await I3Decoder.create(rt, meta.config);
    decoder?.destroy();
    loaded = undefined;
    decoder = fresh;
  }
  decoder.loadParams(params);
  loaded = {
    tokenizer,
    decoder,
    model: {
      checkpointId,
      runName: meta.name,
      step: meta.step,
      parameters: parameterCount(meta.config),
      contextLength: meta.config.max_seq_len,
      vocabSize: meta.config.vocab_size,
      adapter: describeAdapter(rt.info),
    },
  };
  post({ type: 'loaded', model: loaded.model });
  return loaded;
}

/** Every error thrown here (CorruptCheckpointError, WebGpuUnavailableError, …) says what to do. */
const messageOf = (e: unknown) => (e as Error).message;

/** Collects generated pieces and sends them at most every DELTA_MS. */
class DeltaOutbox {
  private pieces: GeneratedPiece[] = [];
  private tokens = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly t0 = performance.now();
  private firstAt = 0;

  constructor(private readonly requestId: string) {}

  add(piece: GeneratedPiece): void {
    this.pieces.push(piece);
    if (this.tokens++ === 0) this.firstAt = performance.now();
    this.timer ??= setTimeout(() => this.flush(), DELTA_MS);
  }

  get count(): number {
    return this.tokens;
  }

  /** Decoding speed: the tokens after the first, whose wait includes the prompt's prefill. */
  rate(): number {
    if (this.tokens < 2) return this.tokens / Math.max(1e-3, (performance.now() - this.t0) / 1000);
    return (this.tokens - 1) / Math.max(1e-3, (performance.now() - this.firstAt) / 1000);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pieces.length === 0) return;
    post({
      type: 'delta',
      requestId: this.requestId,
      pieces: this.pieces,
      tokens: this.tokens,
      tokensPerSec: this.rate(),
    });
    this.pieces = [];
  }
}

async function generate(req: Extract<InferRequest, { type: 'generate' }>): Promise<void> {
  const { requestId, settings } = req;
  const signal = controllers.get(requestId)?.signal;
  try {
    // Stopped while it waited its turn (a comparison's later checkpoints): nothing to load.
    if (signal?.aborted) {
      post({ type: 'done', requestId, reason: 'abort', tokens: 0, tokensPerSec: 0 });
      return;
    }
    let model: Loaded;
    try {
      model = await ensureLoaded(req.checkpointId);
    } catch (e) {
      post({ type: 'load-failed', checkpointId: req.checkpointId, message: messageOf(e) });
      throw e;
    }
    const prompt = promptIds(
      model.tokenizer,
      req.prompt,
      model.decoder.window,
      settings.maxNewTokens,
    );
    post({
      type: 'started',
      requestId,
      droppedMessages: prompt.dropped,
      unknownChars: prompt.unknown,
    });
    const out = new DeltaOutbox(requestId);
    const onPromptScore = ({ odds, attention }: PromptScore) =>
      post({
        type: 'prompt-score',
        requestId,
        pieces: promptPieces(model.tokenizer, prompt, odds),
        attention: attention && promptAttention(prompt, attention),
      });
    const score = req.scorePrompt || undefined;
    const texts = generateText(model.decoder, model.tokenizer, prompt.ids, {
      sampling: settings,
      maxNewTokens: settings.maxNewTokens,
      signal,
      onPromptScore: score && onPromptScore,
      promptAttention: score?.attention,
      onReplyAttention: score?.attention
        ? (attention) => post({ type: 'reply-attention', requestId, attention })
        : undefined,
    });
    let next = await texts.next();
    while (!next.done) {
      out.add(next.value);
      next = await texts.next();
    }
    out.flush();
    post({
      type: 'done',
      requestId,
      reason: next.value,
      tokens: out.count,
      tokensPerSec: out.rate(),
    });
  } catch (e) {
    post({ type: 'failed', requestId, message: messageOf(e) });
  } finally {
    controllers.delete(requestId);
  }
}

function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task);
}

self.onmessage = (ev: MessageEvent<InferRequest>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'load':
      enqueue(() =>
        ensureLoaded(msg.checkpointId).then(
          () => {},
          (e) =>
            post({ type: 'load-failed', checkpointId: msg.checkpointId, message: messageOf(e) }),
        ),
      );
      break;
    case 'generate':
      controllers.set(msg.requestId, new AbortController());
      enqueue(() => generate(msg));
      break;
    case 'stop':
      controllers.get(msg.requestId)?.abort();
      break;
  }
};
