// Node entry to the dataset pipeline for the CLI trainer: the same importer and reader, with
// files opened as Blobs (streamed from disk) and shards kept in memory.

import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { ChunkTokenizer } from './chunkTokenizer';
import { type ImportOptions, importDataset } from './importer';
import { type ShardSource, storeSource } from './shardReader';
import { MemoryShardStore } from './shardStore';
import { openArchives } from './zipArchive';

export interface TextCorpus {
  tokenizer: ChunkTokenizer;
  source: ShardSource;
  store: MemoryShardStore;
}

/** A file on disk as a File of its disk-backed Blob (streamed, never read whole). */
export async function fileInput(path: string): Promise<File> {
  return new File([await openAsBlob(path)], basename(path));
}

/** Tokenizes the files at paths (any supported format) into an in-memory dataset. */
export async function loadTextCorpus(
  paths: string | string[],
  opts: ImportOptions = {},
): Promise<TextCorpus> {
  const opened = await openArchives(await Promise.all([paths].flat().map(fileInput)));
  const store = new MemoryShardStore();
  const { manifest } = await importDataset(opened.files, store, {
    name: opened.name,
    ...opts,
    leftOut: opened.rejected,
  });
  return {
    tokenizer: ChunkTokenizer.fromJSON(manifest.tokenizer),
    source: storeSource(store, manifest),
    store,
  };
}
