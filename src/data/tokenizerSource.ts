// The tokenizer an import borrows instead of training its own: a stored dataset's, or a
// checkpoint's (whose header carries it). New files tokenized with a checkpoint's tokenizer are a
// dataset that checkpoint trains further on: fine-tuning a model on other data.
import type { TokenizerSource } from '../protocol';
import { decodeCheckpoint } from '../train/checkpoint';
import { ChunkTokenizer } from './chunkTokenizer';
import type { DatasetManifest } from './shardStore';

/** Where the sources are read from: the shard store's manifests and the stored checkpoints. */
export interface TokenizerSources {
  getManifest(id: string): Promise<DatasetManifest | undefined>;
  getCheckpointBytes(id: string): Promise<Uint8Array | undefined>;
}

/** The tokenizer of `source`; an Error that says what to do where it cannot be had. */
export async function tokenizerOf(
  source: TokenizerSource,
  from: TokenizerSources,
): Promise<ChunkTokenizer> {
  if (source.kind === 'dataset') {
    const manifest = await from.getManifest(source.id);
    if (manifest?.status !== 'complete') {
      throw new Error(
        'The dataset whose tokenizer this import was to use is no longer stored: choose another ' +
          'tokenizer in the import options.',
      );
    }
    return ChunkTokenizer.fromJSON(manifest.tokenizer);
  }
  const bytes = await from.getCheckpointBytes(source.id);
  if (!bytes) {
    throw new Error(
      'The checkpoint whose tokenizer this import was to use is no longer stored: choose another ' +
        'tokenizer in the import options.',
    );
  }
  const { meta } = await decodeCheckpoint(bytes);
  if (!meta.tokenizer) {
    throw new Error(
      'That checkpoint was saved without its tokenizer, so no data can be tokenized for it: ' +
        'choose another tokenizer in the import options.',
    );
  }
  return ChunkTokenizer.fromJSON(meta.tokenizer);
}
