// A small in-memory dataset for tests that train: short, regular sentences that the 2-layer
// i3-test model learns in a few dozen steps, with an alphabet small enough for its 64 tokens.
import type { ChunkTokenizer } from '../data/chunkTokenizer';
import { importDataset } from '../data/importer';
import { type ShardSource, storeSource } from '../data/shardReader';
import { type DatasetManifest, MemoryShardStore } from '../data/shardStore';
import type { InputFile } from '../data/textStream';
import { Rng } from '../util/random';
import type { TrainSettings } from './checkpoint';

export function catsCorpus(): string {
  const rng = new Rng(42);
  const pick = (xs: string[]) => xs[rng.int(xs.length)];
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    lines.push(`the ${pick(['cat', 'dog'])} sat on the ${pick(['mat', 'log'])}.`);
  }
  return lines.join('\n');
}

export function textFile(name: string, text: string): InputFile {
  const blob = new Blob([text]);
  return {
    name,
    size: blob.size,
    stream: () => blob.stream() as ReadableStream<Uint8Array>,
    slice: (a, b) => blob.slice(a, b),
  };
}

export async function catsDataset(): Promise<{ source: ShardSource; manifest: DatasetManifest }> {
  const store = new MemoryShardStore();
  const { manifest } = await importDataset([textFile('cats.txt', catsCorpus())], store, {
    vocab: { targetSize: 64 },
    shardTokens: 4096,
    validationEvery: 20,
    // Four sentences, repeated: kept by place, the validation split holds 5% of them as before
    // repeats were told apart (in their first copy's split it would hold one).
    repeats: 'by-place',
    newId: () => 'cats',
  });
  return { source: storeSource(store, manifest), manifest };
}

/**
 * Other text made a dataset with a tokenizer it did not train (the Data pane's borrowed
 * tokenizer): for a run that trains further on it, or mixes it in.
 */
export async function datasetWithTokenizer(
  name: string,
  text: string,
  tokenizer: ChunkTokenizer,
  shardTokens = 4096,
): Promise<ShardSource> {
  const store = new MemoryShardStore();
  const { manifest } = await importDataset([textFile(`${name}.txt`, text)], store, {
    tokenizer,
    shardTokens,
    repeats: 'by-place',
    newId: () => name,
  });
  return storeSource(store, manifest);
}

/** Settings the cats corpus trains well with at the i3-test preset (T 16, batch 8). */
export const catsSettings = (totalSteps: number): TrainSettings => ({
  schedule: { peakLr: 2e-2, warmupSteps: 5, totalSteps, minRatio: 0.1 },
  batchSize: 8,
  accumSteps: 1,
  seqLen: 16,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  clipNorm: 1,
  evalInterval: 0,
  evalBatches: 2,
  checkpointInterval: 0,
  seed: 3,
});
