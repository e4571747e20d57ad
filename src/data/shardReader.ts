// Batches for the trainer from token shards. Training draws random windows of T+1 tokens: each
// epoch visits the shards in a seeded order and draws about len/(T+1) windows from each (a window
// may run into the next shard by storage order), loading the next shards ahead. Validation reads
// consecutive windows (stride T, so every token is a target once) from the start. The cursor is
// plain JSON, so a checkpoint can store it and a resumed run draws exactly the same batches.

import { Rng } from '../util/random';
import { type DatasetManifest, type ShardStore, type Split, shardLength } from './shardStore';

export interface ShardSource {
  readonly manifest: DatasetManifest;
  load(split: Split, index: number): Promise<Uint16Array>;
}

export function storeSource(store: ShardStore, manifest: DatasetManifest): ShardSource {
  if (manifest.status !== 'complete') {
    throw new Error(`dataset "${manifest.name}" is not completely imported`);
  }
  return { manifest, load: (split, index) => store.getShard(manifest.id, split, index) };
}

export interface BatchCursor {
  epoch: number;
  /** Position in the epoch's shard order. */
  position: number;
  /** Windows already drawn from the shard at position. */
  drawn: number;
  /** State of the window generator (Rng). */
  rng: number;
}

/**
 * Why a run of context `seqLen` cannot draw a training window from `m` (its training split is
 * shorter than T+1 tokens), or undefined. The Train pane holds such a run before it starts.
 */
export function tooShortToTrain(m: DatasetManifest, seqLen: number): string | undefined {
  if (m.train.tokens >= seqLen + 1) return undefined;
  return (
    `"${m.name}" has ${m.train.tokens.toLocaleString('en-US')} training tokens, fewer than one ` +
    `window of ${seqLen + 1} (the context and the token after it): import more text, or train ` +
    'with a shorter context'
  );
}

/** The validation windows of context T in `m`: stride T, each T+1 tokens long. */
export function validationWindows(m: DatasetManifest, T: number): number {
  return Math.max(0, Math.floor((m.validation.tokens - 1) / T));
}

/**
 * Why a checkpoint of context T cannot be evaluated on `m` (no validation window), or undefined:
 * the evaluation refuses with it, and the Checkpoints pane holds its button with it.
 */
export function nothingToEvaluate(m: DatasetManifest, T: number): string | undefined {
  if (validationWindows(m, T) > 0) return undefined;
  return (
    `"${m.name}" has no validation split of a whole window (${T + 1} tokens) to evaluate on: ` +
    'import more text, or hold out more of it (import options, validation).'
  );
}

export interface ReaderOptions {
  batchSize: number;
  /** Context length T: each row has T+1 tokens. */
  seqLen: number;
  seed: number;
  /** Shards loaded ahead of the one in use. */
  prefetch?: number;
}

export interface Batch {
  /** rows × (T+1) token ids, row-major. */
  tokens: Uint32Array;
  rows: number;
}

export class ShardReader {
  private readonly cache = new Map<string, Promise<Uint16Array>>();
  private readonly rng: Rng;
  private cur: BatchCursor;
  private order: number[] = [];
  private orderEpoch = -1;
  /** Windows of the epoch's order before each position, then the epoch's total (epochs()). */
  private windowsBefore: number[] = [0];
  readonly batchSize: number;
  readonly seqLen: number;
  private readonly seed: number;
  private readonly prefetch: number;

  constructor(
    readonly source: ShardSource,
    opts: ReaderOptions,
    cursor?: BatchCursor,
  ) {
    this.batchSize = opts.batchSize;
    this.seqLen = opts.seqLen;
    this.seed = opts.seed >>> 0;
    this.prefetch = opts.prefetch ?? 2;
    this.rng = new Rng(this.seed ^ 0x5eed);
    this.cur = { epoch: 0, position: 0, drawn: 0, rng: this.rng.state };
    if (cursor) this.restore(cursor);
    const short = tooShortToTrain(source.manifest, this.seqLen);
    if (short) throw new Error(short);
  }

  cursor(): BatchCursor {
    return { ...this.cur, rng: this.rng.state };
  }

  /**
   * Passes over the training split so far: whole epochs plus the share of this epoch's windows
   * drawn (each shard's count, windowsIn, in the epoch's order).
   */
  epochs(): number {
    this.epochOrder(this.cur.epoch);
    const total = this.windowsBefore[this.windowsBefore.length - 1];
    const done = this.windowsBefore[this.cur.position] + this.cur.drawn;
    return this.cur.epoch + (total > 0 ? Math.min(1, done / total) : 0);
  }

  restore(c: BatchCursor): void {
    this.cur = { ...c };
    this.rng.state = c.rng >>> 0;
  }

  private shard(split: Split, index: number): Promise<Uint16Array> {
    const key = `${split}/${index}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.source.load(split, index);
      this.cache.set(key, p);
      // Keep the cache small: the shards in use and the ones prefetched.
      const cap = 2 * (this.prefetch + 2);
      while (this.cache.size > cap) this.cache.delete(this.cache.keys().next().value!);
    } else {
      this.cache.delete(key);
      this.cache.set(key, p);
    }
    return p;
  }

  private epochOrder(epoch: number): number[] {
    if (this.orderEpoch !== epoch) {
      const n = this.source.manifest.train.shards;
      const order = Array.from({ length: n }, (_, i) => i);
      const r = new Rng((this.seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
      for (let i = n - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      this.order = order;
      this.orderEpoch = epoch;
      this.windowsBefore = [0];
      for (const shard of order) {
        this.windowsBefore.push(
          this.windowsBefore[this.windowsBefore.length - 1] + this.windowsIn(shard).count,
        );
      }
    }
    return this.order;
  }

  /** Windows drawn from shard s per epoch; windows start in s and may run into s+1. */
  private windowsIn(s: number): { count: number; span: number } {
    const m = this.source.manifest;
    const len = shardLength(m, 'train', s);
    const span = len + Math.min(this.seqLen, shardLength(m, 'train', s + 1));
    return {
      count: span >= this.seqLen + 1 ? Math.max(1, Math.floor(len / (this.seqLen + 1))) : 0,
      span,
    };
  }

  private async windowTokens(
    split: Split,
    s: number,
    offset: number,
    out: Uint32Array,
    at: number,
  ) {
    const need = this.seqLen + 1;
    const a = await this.shard(split, s);
    const fromA = Math.min(need, a.length - offset);
    for (let i = 0; i < fromA; i++) out[at + i] = a[offset + i];
    let got = fromA;
    for (let next = s + 1; got < need; next++) {
      const b = await this.shard(split, next);
      const take = Math.min(need - got, b.length);
      for (let i = 0; i < take; i++) out[at + got + i] = b[i];
      got += take;
    }
  }

  /** The next training batch: `rows` (batchSize unless given) random windows of T+1 tokens. */
  async nextBatch(rows = this.batchSize): Promise<Batch> {
    const T1 = this.seqLen + 1;
    const out = new Uint32Array(rows * T1);
    for (let row = 0; row < rows; row++) {
      let order = this.epochOrder(this.cur.epoch);
      let s = order[this.cur.position];
      let w = this.windowsIn(s);
      while (this.cur.drawn >= w.count) {
        this.cur.position++;
        this.cur.drawn = 0;
        if (this.cur.position >= order.length) {
          this.cur.epoch++;
          this.cur.position = 0;
          order = this.epochOrder(this.cur.epoch);
        }
        s = order[this.cur.position];
        w = this.windowsIn(s);
        this.prefetchAfter(order, this.cur.position);
      }
      const offset = this.rng.int(w.span - T1 + 1);
      this.cur.drawn++;
      await this.windowTokens('train', s, offset, out, row * T1);
    }
    return { tokens: out, rows };
  }

  private prefetchAfter(order: number[], position: number): void {
    const n = this.source.manifest.train.shards;
    for (let k = 1; k <= this.prefetch && position + k < order.length; k++) {
      const s = order[position + k];
      // Errors surface when the shard is used; a failed prefetch must not go unhandled.
      this.shard('train', s).catch(() => {});
      if (s + 1 < n) this.shard('train', s + 1).catch(() => {});
    }
  }

  /** Validation batches in order: windows start at 0, T, 2T, ...; the last batch may be short. */
  async *validationBatches(maxBatches = Infinity): AsyncGenerator<Batch> {
    const m = this.source.manifest;
    const T = this.seqLen;
    const windows = validationWindows(m, T);
    let w = 0;
    for (let b = 0; b < maxBatches && w < windows; b++) {
      const rows = Math.min(this.batchSize, windows - w);
      const out = new Uint32Array(rows * (T + 1));
      for (let r = 0; r < rows; r++, w++) {
        const start = w * T;
        const s = Math.floor(start / m.shardTokens);
        await this.windowTokens('validation', s, start - s * m.shardTokens, out, r * (T + 1));
      }
      yield { tokens: out, rows };
    }
  }
}
