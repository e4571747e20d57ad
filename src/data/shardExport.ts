// A tokenized dataset as plain files for other trainers (PyTorch's train_i3.py reads them with numpy
// memmaps): `train_000.bin`, …, `validation_000.bin`, … of raw little-endian uint16 token ids, one
// per stored shard, plus `manifest.json` (vocabulary size, token counts per shard, the tokenizer's
// identity and its Hugging Face tokenizer.json text). As a stored zip it streams: each shard is read
// from the store only when the zip reaches it (one shard ahead), so memory holds about two shards.

import { pullStream, type ZipEntry, zipStream } from '../export/zipStream';
import { ChunkTokenizer } from './chunkTokenizer';
import { type DatasetManifest, type ShardStore, type Split, shardLength } from './shardStore';
import { EOS_ID, PAD_ID } from './specialTokens';

export const SHARD_EXPORT_FORMAT = 'i3-shards';
const SPLITS: Split[] = ['train', 'validation'];
/** Entry data starts 64-byte aligned in the zip, so a reader can memory-map the stored shards. */
const ZIP_ALIGN = 64;
/** Bytes per zip chunk: one pull checksums at most this much, which keeps a page responsive. */
const PIECE_BYTES = 1 << 20;

export interface ShardFileInfo {
  file: string;
  tokens: number;
}

export interface ShardExportManifest {
  format: typeof SHARD_EXPORT_FORMAT;
  version: 1;
  name: string;
  dataset_id: string;
  dtype: 'uint16';
  byte_order: 'little';
  vocab_size: number;
  tokenizer_type: 'chunk';
  tokenizer_strategy: 'variable_2_3';
  /** ChunkTokenizer.identity(): SHA-256 of the tokenizer's JSON. */
  tokenizer_id: string;
  eos_token_id: number;
  pad_token_id: number;
  /** Each document ends with <eos>; every validation_every-th document is in the validation split. */
  validation_every: number;
  splits: Record<Split, { documents: number; tokens: number; shards: ShardFileInfo[] }>;
  /** The Hugging Face tokenizer.json text, as the model bundle carries it. */
  tokenizer_json: string;
}

/** One file of the export; its bytes are read only when asked for. */
export interface ExportFile {
  name: string;
  load(): Promise<Uint8Array>;
}

export const shardFileName = (split: Split, index: number) =>
  `${split}_${String(index).padStart(3, '0')}.bin`;

export function shardExportManifest(m: DatasetManifest): ShardExportManifest {
  const tokenizer = ChunkTokenizer.fromJSON(m.tokenizer);
  const split = (s: Split) => ({
    documents: m[s].documents,
    tokens: m[s].tokens,
    shards: Array.from({ length: m[s].shards }, (_, i) => ({
      file: shardFileName(s, i),
      tokens: shardLength(m, s, i),
    })),
  });
  return {
    format: SHARD_EXPORT_FORMAT,
    version: 1,
    name: m.name,
    dataset_id: m.id,
    dtype: 'uint16',
    byte_order: 'little',
    vocab_size: tokenizer.vocabSize,
    tokenizer_type: 'chunk',
    tokenizer_strategy: 'variable_2_3',
    tokenizer_id: m.tokenizerId,
    eos_token_id: EOS_ID,
    pad_token_id: PAD_ID,
    validation_every: m.validationEvery,
    splits: { train: split('train'), validation: split('validation') },
    tokenizer_json: tokenizer.toHuggingFaceJson(),
  };
}

/** Uint16Array bytes are in the platform's order; every browser and Node target is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** manifest.json, then every shard of each split in order. */
export function shardExportFiles(store: ShardStore, m: DatasetManifest): ExportFile[] {
  if (m.status !== 'complete') throw new Error(`dataset "${m.name}" is not completely imported`);
  if (!LITTLE_ENDIAN) throw new Error('shard export needs a little-endian platform');
  const manifest = shardExportManifest(m);
  const files: ExportFile[] = [
    {
      name: 'manifest.json',
      load: async () => new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
    },
  ];
  for (const s of SPLITS) {
    manifest.splits[s].shards.forEach((info, i) => {
      files.push({
        name: info.file,
        load: async () => {
          const tokens = await store.getShard(m.id, s, i);
          if (tokens.length !== info.tokens) {
            throw new Error(
              `${info.file}: the store holds ${tokens.length} tokens, the manifest ${info.tokens}`,
            );
          }
          return new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
        },
      });
    });
  }
  return files;
}

/**
 * The files as one stored zip, produced as the reader pulls. zipStream is synchronous, so each
 * pull first loads the next file that the zip has not started (at most one ahead): between two
 * entries the zip always hands out at least one chunk, which gives the pull its chance to load.
 */
export function zipExportFiles(files: ExportFile[]): ReadableStream<Uint8Array> {
  let started = 0;
  let ready: Uint8Array | undefined;
  const take = (): Uint8Array => {
    if (!ready) throw new Error(`${files[started].name} was not loaded before the zip reached it`);
    const bytes = ready;
    ready = undefined;
    started++;
    return bytes;
  };
  const entries: ZipEntry[] = files.map((f) => ({
    name: f.name,
    align: ZIP_ALIGN,
    chunks: {
      *[Symbol.iterator]() {
        const bytes = take();
        for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
          yield bytes.subarray(at, at + PIECE_BYTES);
        }
      },
    },
  }));
  return pullStream(zipStream(entries), async () => {
    if (!ready && started < files.length) ready = await files[started].load();
  });
}

/** The dataset's shard export as a zip stream (the Data pane's "Export shards"). */
export function exportShardsZip(store: ShardStore, m: DatasetManifest): ReadableStream<Uint8Array> {
  return zipExportFiles(shardExportFiles(store, m));
}
