import { describe, expect, it } from 'vitest';
import { testCheckpoint, tokenizer } from '../cli/testCheckpoint';
import { importDataset } from '../data/importer';
import { ShardReader, storeSource } from '../data/shardReader';
import { MemoryShardStore } from '../data/shardStore';
import { PAD_ID } from '../data/specialTokens';
import { testRuntime } from '../gpu/testing';
import { referenceLoss } from '../model/reference';
import { countedTargets, EVAL_GROUP, evaluateCheckpoint } from './evaluation';
import { textFile } from './testCorpus';

/** Text tokenized with the test checkpoint's tokenizer: a dataset it can be evaluated on. */
async function dataset(lines: number, validationEvery = 4) {
  const store = new MemoryShardStore();
  const text = Array.from({ length: lines }, (_, i) => `the film was ${i % 3 ? 'good' : 'long'}.`);
  const { manifest } = await importDataset([textFile('films.txt', text.join('\n'))], store, {
    tokenizer,
    validationEvery,
    repeats: 'by-place',
    newId: () => 'films',
  });
  return storeSource(store, manifest);
}

describe('checkpoint evaluation', () => {
  it('counts the targets the loss counts: each row but its first token, pad aside', () => {
    // Two rows of T + 1 = 4: the first ids are inputs only; pad targets do not count.
    expect(countedTargets(Uint32Array.of(5, 6, 7, 8, 9, 10, PAD_ID, PAD_ID), 3)).toBe(4);
    expect(countedTargets(Uint32Array.of(PAD_ID, 1, 2, 3), 3)).toBe(3);
  });

  it('is the mean loss of the whole validation split, as the float64 reference computes it', async () => {
    const rt = await testRuntime();
    const ck = testCheckpoint();
    const { config, settings } = ck.meta;
    const T = config.max_seq_len;
    // Enough validation windows for several read-back groups of EVAL_GROUP batches.
    const source = await dataset(2400);
    const seen: [number, number][] = [];
    const got = await evaluateCheckpoint(rt, ck, source, {
      onProgress: (done, total) => seen.push([done, total]),
    });
    // The reference over the same windows, batch by batch, each weighted by its targets.
    const reader = new ShardReader(source, { batchSize: settings.batchSize, seqLen: T, seed: 1 });
    let sum = 0;
    let tokens = 0;
    let batches = 0;
    for await (const b of reader.validationBatches()) {
      batches++;
      const n = countedTargets(b.tokens, T);
      sum += n * referenceLoss(config, ck.params, b.tokens, b.rows, T, PAD_ID);
      tokens += n;
    }
    expect(got.tokens).toBe(tokens);
    // fp32 logits and softmax against float64: 1e-4 relative on a loss near ln V.
    expect(Math.abs(got.loss - sum / tokens) / (sum / tokens)).toBeLessThan(1e-4);
    // One report a group of EVAL_GROUP batches (the last batch partial: rows past the split are
    // pad), the last at the total.
    expect(batches).toBeGreaterThan(EVAL_GROUP);
    expect(seen).toEqual(
      Array.from({ length: Math.ceil(batches / EVAL_GROUP) }, (_, i) => [
        Math.min((i + 1) * EVAL_GROUP, batches),
        batches,
      ]),
    );
  });

  it('reads at most maxTokens of the split, and says when there is no window to read', async () => {
    const rt = await testRuntime();
    const ck = testCheckpoint();
    const T = ck.meta.config.max_seq_len;
    const source = await dataset(400);
    const capped = await evaluateCheckpoint(rt, ck, source, { maxTokens: 3 * T });
    // Three windows of T targets, none of them pad.
    expect(capped.tokens).toBe(3 * T);
    await expect(evaluateCheckpoint(rt, ck, await dataset(3, 2))).rejects.toThrow(
      /no validation split of a whole window/,
    );
  });
});
