// Node entry to the dataset pipeline for the CLI trainer: the same importer and reader, with
// files opened as Blobs (streamed from disk) and shards kept in memory. A folder stands for the
// files in it, as one dropped on the page does (hidden ones skipped).

import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ChunkTokenizer } from './chunkTokenizer';
import { isSkippedPath } from './fileNames';
import { openImportFiles } from './folderImport';
import { type ImportOptions, importDataset } from './importer';
import { type ShardSource, storeSource } from './shardReader';
import { MemoryShardStore } from './shardStore';

export interface TextCorpus {
  tokenizer: ChunkTokenizer;
  source: ShardSource;
  store: MemoryShardStore;
}

/** A file on disk as a File of its disk-backed Blob (streamed, never read whole). */
export async function fileInput(path: string): Promise<File> {
  return new File([await openAsBlob(path)], basename(path));
}

/**
 * The files at a path: the file, or a folder's files (hidden ones skipped, in path order), each
 * named by its path from the folder as the page names a dropped folder's.
 */
async function filesAt(path: string): Promise<File[]> {
  if (!(await stat(path)).isDirectory()) return [await fileInput(path)];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(path.length).replace(/^\/+/, ''))
    .filter((rel) => !isSkippedPath(rel))
    .sort();
  return Promise.all(
    paths.map(
      async (rel) => new File([await openAsBlob(join(path, rel))], `${basename(path)}/${rel}`),
    ),
  );
}

/** Tokenizes the files at paths (any supported format) into an in-memory dataset. */
export async function loadTextCorpus(
  paths: string | string[],
  opts: ImportOptions = {},
): Promise<TextCorpus> {
  const opened = await openImportFiles((await Promise.all([paths].flat().map(filesAt))).flat());
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
