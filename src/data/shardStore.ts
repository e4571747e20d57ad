// Where tokenized datasets live: a manifest per dataset plus fixed-size Uint16 token shards per
// split. The interface has an IndexedDB implementation for the browser (idbShardStore.ts) and the
// in-memory one below for Node and tests.

import type { ChunkTokenizerJson } from './chunkTokenizer';
import type { FileReport } from './formats';

export type Split = 'train' | 'validation';

/**
 * What becomes of a document that repeats an earlier one (importer.ts): it goes to its first
 * copy's split, so that no text is in both; or it is dropped (the same, but not stored twice); or
 * it goes to the split of its place, as every other document.
 */
export type RepeatPlacement = 'first-copy' | 'drop' | 'by-place';

export interface SplitStats {
  documents: number;
  tokens: number;
  /** Shard i holds tokens [i·shardTokens, min((i+1)·shardTokens, tokens)). */
  shards: number;
}

export interface DatasetManifest {
  version: 1;
  id: string;
  name: string;
  createdAt: number;
  /** 'importing' until every shard is written; such a dataset is never trained on. */
  status: 'importing' | 'complete';
  files: FileReport[];
  tokenizer: ChunkTokenizerJson;
  tokenizerId: string;
  shardTokens: number;
  /**
   * Every validationEvery-th document (index % k === k-1) is held out, a repeated document going
   * where its first copy went; docs/datasets.md.
   */
  validationEvery: number;
  train: SplitStats;
  validation: SplitStats;
  /** Characters that the tokenizer mapped to <unk>. */
  unknownChars: number;
  /** The first few documents, for the sample viewer. */
  samples: string[];
  /**
   * Documents by length in tokens (their <eos> included): bucket k counts lengths from 2^k to
   * 2^(k+1) − 1. Absent in datasets imported before it was kept.
   */
  lengths?: number[];
  /** Where repeated documents went; absent before repeats were told apart: by place. */
  repeats?: RepeatPlacement;
  /**
   * Documents whose tokens equal an earlier document's, and those of them in the other split from
   * their first copy: text that the validation split shares with training (with 'first-copy', 1
   * where the validation split would otherwise have been empty, else 0). Absent in datasets
   * imported before they were counted.
   */
  repeated?: number;
  crossSplit?: number;
}

export interface ShardStore {
  putShard(datasetId: string, split: Split, index: number, tokens: Uint16Array): Promise<void>;
  getShard(datasetId: string, split: Split, index: number): Promise<Uint16Array>;
  hasShard(datasetId: string, split: Split, index: number): Promise<boolean>;
  putManifest(manifest: DatasetManifest): Promise<void>;
  getManifest(id: string): Promise<DatasetManifest | undefined>;
  listManifests(): Promise<DatasetManifest[]>;
  /** Removes the manifest and every shard of the dataset. */
  deleteDataset(id: string): Promise<void>;
}

/** A shard's key, `<dataset>/<split>/<index>`: every shard of a dataset starts `<dataset>/`. */
export const shardKey = (id: string, split: Split, index: number) => `${id}/${split}/${index}`;

export class MemoryShardStore implements ShardStore {
  readonly shards = new Map<string, Uint16Array>();
  readonly manifests = new Map<string, DatasetManifest>();

  async putShard(id: string, split: Split, index: number, tokens: Uint16Array): Promise<void> {
    this.shards.set(shardKey(id, split, index), tokens.slice());
  }

  async getShard(id: string, split: Split, index: number): Promise<Uint16Array> {
    const s = this.shards.get(shardKey(id, split, index));
    if (!s) throw new Error(`missing shard ${shardKey(id, split, index)}`);
    return s;
  }

  async hasShard(id: string, split: Split, index: number): Promise<boolean> {
    return this.shards.has(shardKey(id, split, index));
  }

  async putManifest(m: DatasetManifest): Promise<void> {
    this.manifests.set(m.id, structuredClone(m));
  }

  async getManifest(id: string): Promise<DatasetManifest | undefined> {
    const m = this.manifests.get(id);
    return m && structuredClone(m);
  }

  async listManifests(): Promise<DatasetManifest[]> {
    return [...this.manifests.values()].map((m) => structuredClone(m));
  }

  async deleteDataset(id: string): Promise<void> {
    this.manifests.delete(id);
    for (const k of [...this.shards.keys()]) if (k.startsWith(`${id}/`)) this.shards.delete(k);
  }
}

/** The length of shard index of a split. */
export function shardLength(m: DatasetManifest, split: Split, index: number): number {
  const total = m[split].tokens;
  return Math.max(0, Math.min(m.shardTokens, total - index * m.shardTokens));
}

/** Storage-full errors from IndexedDB (and their wrapped forms). */
export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name ?? '';
  return name === 'QuotaExceededError' || /quota/i.test(String((e as Error)?.message ?? ''));
}
