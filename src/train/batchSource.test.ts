import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import type { ShardSource } from '../data/shardReader';
import { EOS_ID } from '../data/specialTokens';
import { batchSource, type MixtureCursor, ownCursor } from './batchSource';
import { catsDataset, datasetWithTokenizer } from './testCorpus';

// The cats corpus, and a corpus of "mmm" words tokenized with the cats tokenizer: a row of the
// second has only its tokens, and every window of the cats corpus has others.
let cats: ShardSource;
let hums: ShardSource;
let humTokens: Set<number>;
const shape = { batchSize: 8, seqLen: 16, seed: 5 };

beforeAll(async () => {
  const c = await catsDataset();
  cats = c.source;
  const tokenizer = ChunkTokenizer.fromJSON(c.manifest.tokenizer);
  const text = Array.from({ length: 600 }, (_, i) => 'mmm '.repeat(1 + (i % 5)).trim());
  hums = await datasetWithTokenizer('hums', text.join('\n'), tokenizer, 1024);
  humTokens = new Set([EOS_ID, ...tokenizer.encode('mmm mmm')]);
});

/** How many rows of a batch come from the hums corpus. */
function humRows(batch: Uint32Array): number {
  const T1 = shape.seqLen + 1;
  let n = 0;
  for (let r = 0; r < shape.batchSize; r++) {
    if (batch.subarray(r * T1, (r + 1) * T1).every((t) => humTokens.has(t))) n++;
  }
  return n;
}

describe('batch sources', () => {
  it('draw each row from a mixed-in dataset by its share, and resume exactly', async () => {
    const mixed = batchSource(cats, shape, [{ source: hums, share: 0.3 }]);
    let fromHums = 0;
    const batches = 100;
    for (let b = 0; b < batches; b++) fromHums += humRows(await mixed.nextTrainBatch());
    // 800 rows at 0.3: the share within 4 standard deviations (0.016 each); the cats corpus
    // alone gives none, so a mixture that ignored its shares would fail.
    expect(Math.abs(fromHums / (batches * shape.batchSize) - 0.3)).toBeLessThan(0.065);
    const plain = batchSource(cats, shape);
    for (let b = 0; b < 20; b++) expect(humRows(await plain.nextTrainBatch())).toBe(0);
    // The cursor is JSON; a source made from it draws the same rows as the one it came from.
    const cursor = JSON.parse(JSON.stringify(mixed.cursor())) as MixtureCursor;
    expect(cursor.readers).toHaveLength(2);
    const again = batchSource(cats, shape, [{ source: hums, share: 0.3 }], cursor);
    for (let b = 0; b < 5; b++) {
      expect(Array.from(await again.nextTrainBatch())).toEqual(
        Array.from(await mixed.nextTrainBatch()),
      );
    }
  });

  it('keep the run’s own dataset for validation and epochs, and for a run without the mixture', async () => {
    const mixed = batchSource(cats, shape, [{ source: hums, share: 0.5 }]);
    const plain = batchSource(cats, shape);
    for (let b = 0; b < 10; b++) {
      await mixed.nextTrainBatch();
      await plain.nextTrainBatch();
    }
    // Validation: the cats corpus's split, as without the mixture.
    expect((await mixed.validationBatches(2)).map((b) => Array.from(b))).toEqual(
      (await plain.validationBatches(2)).map((b) => Array.from(b)),
    );
    // Epochs count passes over the own dataset: about half its rows came from it.
    expect(mixed.epochs()).toBeGreaterThan(0);
    expect(mixed.epochs()).toBeLessThan(plain.epochs());
    // Trained further without the mixture, a run goes on from its own dataset's place.
    const cursor = mixed.cursor() as MixtureCursor;
    expect(ownCursor(cursor)).toEqual(cursor.readers[0]);
    expect(ownCursor(plain.cursor())).toEqual(plain.cursor());
    const alone = batchSource(cats, shape, [], cursor);
    expect(alone.epochs()).toBeCloseTo(mixed.epochs(), 12);
  });
});
