import { describe, expect, it } from 'vitest';
import { testCheckpoint, tokenizer } from '../cli/testCheckpoint';
import { encodeCheckpoint } from '../train/checkpoint';
import { catsDataset, textFile } from '../train/testCorpus';
import { importDataset } from './importer';
import { MemoryShardStore } from './shardStore';
import { tokenizerOf } from './tokenizerSource';

describe('an import’s borrowed tokenizer', () => {
  it('takes a stored dataset’s or a checkpoint’s tokenizer, and tokenizes new files with it', async () => {
    const { manifest } = await catsDataset();
    const ck = testCheckpoint();
    const bytes = await encodeCheckpoint(ck);
    const sources = {
      getManifest: async (id: string) => (id === manifest.id ? manifest : undefined),
      getCheckpointBytes: async (id: string) => (id === 'ck' ? bytes : undefined),
    };
    const fromDataset = await tokenizerOf({ kind: 'dataset', id: manifest.id }, sources);
    expect(fromDataset.identity()).toBe(manifest.tokenizerId);
    const fromCheckpoint = await tokenizerOf({ kind: 'checkpoint', id: 'ck' }, sources);
    expect(fromCheckpoint.identity()).toBe(tokenizer.identity());

    // Other files, tokenized with the checkpoint's tokenizer: a dataset that checkpoint trains on.
    const store = new MemoryShardStore();
    const text = Array.from({ length: 200 }, (_, i) => `the dog ran ${i} times.`).join('\n');
    const imported = await importDataset([textFile('dogs.txt', text)], store, {
      tokenizer: fromCheckpoint,
      newId: () => 'dogs',
    });
    expect(imported.manifest.tokenizerId).toBe(tokenizer.identity());
    expect(imported.manifest.tokenizer.vocab).toEqual(tokenizer.toJSON().vocab);
  });

  it('says what to do when the source is gone, incomplete or has no tokenizer', async () => {
    const { manifest } = await catsDataset();
    const bare = testCheckpoint();
    // One saved before checkpoints carried their tokenizer.
    Reflect.deleteProperty(bare.meta, 'tokenizer');
    const bareBytes = await encodeCheckpoint(bare);
    const sources = {
      getManifest: async (id: string) =>
        id === 'partial' ? { ...manifest, status: 'importing' as const } : undefined,
      getCheckpointBytes: async (id: string) => (id === 'bare' ? bareBytes : undefined),
    };
    await expect(tokenizerOf({ kind: 'dataset', id: 'gone' }, sources)).rejects.toThrow(
      /no longer stored: choose another tokenizer/,
    );
    await expect(tokenizerOf({ kind: 'dataset', id: 'partial' }, sources)).rejects.toThrow(
      /no longer stored/,
    );
    await expect(tokenizerOf({ kind: 'checkpoint', id: 'gone' }, sources)).rejects.toThrow(
      /checkpoint whose tokenizer .* no longer stored/,
    );
    await expect(tokenizerOf({ kind: 'checkpoint', id: 'bare' }, sources)).rejects.toThrow(
      /saved without its tokenizer/,
    );
  });
});
