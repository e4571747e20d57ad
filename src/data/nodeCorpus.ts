// Node entry to the dataset pipeline for the CLI trainer: the same importer and reader, with
// files opened as Blobs (streamed from disk) and shards kept in memory.

import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { ChunkTokenizer } from './chunkTokenizer';
import { type ImportOptions, importDataset } from './importer';
import { type ShardSource, storeSource } from './shardReader';
import { MemoryShardStore } from './shardStore';
import type { InputFile } from './textStream';

export interface TextCorpus {
  tokenizer: ChunkTokenizer;
  source: ShardSource;
  store: MemoryShardStore;
}

/** A file on disk as an InputFile (streamed, never read whole). */
export async function fileInput(path: string): Promise<InputFile> {
  const blob = await openAsBlob(path);
  return {
    name: basename(path),
    size: blob.size,
    stream: () => blob.stream() as ReadableStream<Uint8Array>,
    slice: (start, end) => blob.slice(start, end),
  };
}

/** Tokenizes the files at paths (any supported format) into an in-memory dataset. */
export async function loadTextCorpus(
  paths: string | string[],
  opts: ImportOptions = {},
): Promise<TextCorpus> {
  const files = await Promise.all([paths].flat().map(fileInput));
  const store = new MemoryShardStore();
  const { manifest } = await importDataset(files, store, opts);
  return {
    tokenizer: ChunkTokenizer.fromJSON(manifest.tokenizer),
    source: storeSource(store, manifest),
    store,
  };
}
