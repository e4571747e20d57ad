import { describe, expect, it } from 'vitest';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { SPECIAL_TOKENS } from '../data/specialTokens';
import { PRESETS } from '../model/config';
import { parameterLayout } from '../model/params';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import type { CheckpointSummary } from '../train/runStore';
import { BundleImportError, bundleEntries, exportBundle, importBundle } from './bundle';
import {
  bundleFileName,
  bundleInputFromCheckpoint,
  bundleTokenizer,
  checkpointFromBundle,
  earlierImport,
  importedSummary,
  isImported,
} from './checkpointBundle';
import { nodePythonSources } from './pythonInterop';
import type { WeightsDtype } from './tensorDtype';
import { readAll, testBundleInput } from './testFixtures';
import { zipDataBytes } from './zipStream';

// The i3-test preset's 64 tokens: the special ones and 58 letters and chunks.
const chars = 'abcdefghijklmnopqrstuvwxyz0123456789 .,'.split('');
const chunks = [
  'th',
  'he',
  'the',
  'an',
  'in',
  'er',
  'on',
  're',
  'at',
  'en',
  'nd',
  'ti',
  'es',
  'or',
  'te',
  'of',
  'ed',
  'is',
  'it',
];
const tokenizer = new ChunkTokenizer([...SPECIAL_TOKENS, ...chars, ...chunks]);

describe('checkpoints as bundles', () => {
  it('names bundles i3-<run>-step<step>.zip', () => {
    expect(bundleFileName('i3-test #1', 30)).toBe('i3-test-1-step30.zip');
    expect(bundleFileName('My Run (continued)', 5)).toBe('i3-my-run-continued-step5.zip');
    expect(bundleFileName('✓', 0)).toBe('i3-model-step0.zip');
  });

  it('an imported bundle becomes a weights-only checkpoint that exports to the same bundle', async () => {
    const base = testBundleInput(4);
    expect(tokenizer.vocabSize).toBe(base.config.vocab_size);
    const bundle = importBundle(
      await readAll(exportBundle({ ...base, tokenizerJson: tokenizer.toHuggingFaceJson() })),
    );
    const tok = bundleTokenizer(bundle);
    expect(tok.identity()).toBe(tokenizer.identity());
    const ck = await decodeCheckpoint(
      await encodeCheckpoint(checkpointFromBundle(bundle, tok, 'my bundle', 5)),
    );
    expect(isImported(ck.meta)).toBe(true);
    expect(ck.params).toEqual(base.params);
    expect(ck.adamM).toBeUndefined();
    expect(ck.meta).toMatchObject({
      name: 'my bundle',
      step: 0,
      tokens: 32,
      createdAt: 5,
      config: base.config,
      tokenizerId: tokenizer.identity(),
      datasetId: '',
      metrics: base.metrics,
      settings: defaultSettings('i3-test', base.config),
    });
    const summary = importedSummary(ck, 1234, 'ab12');
    expect(summary).toMatchObject({
      source: 'import',
      step: 0,
      loss: 4.2,
      valLoss: 4.3,
      bytes: 1234,
    });
    expect(summary.id.startsWith(ck.meta.runId)).toBe(true);

    const again = bundleInputFromCheckpoint(ck, nodePythonSources());
    expect(again.tokenizerJson).toBe(tokenizer.toHuggingFaceJson());
    expect(again.optimizer).toBeUndefined();
    // This bundle had no training_state.json: placeholder settings, which the card must not claim.
    expect(again.training?.settings).toBeUndefined();
    const size = (await readAll(exportBundle(again))).length;
    // The files' bytes leave out the zip's headers, and the weight files their own headers and
    // pytorch_model.bin its inner archive's: a sixth of this 4.7k-parameter model's bundle.
    expect(zipDataBytes(bundleEntries(again))).toBeLessThan(size);
    expect(zipDataBytes(bundleEntries(again))).toBeGreaterThan(0.8 * size);
  });

  it("counts a real model's bundle to within 1%, in float32 and bfloat16", async () => {
    const config = PRESETS['i3-tiny'];
    const layout = parameterLayout(config);
    const params = new Float32Array(layout.totalFloats).fill(0.5);
    const fromParams = (dtype: WeightsDtype) => ({
      ...testBundleInput(),
      config,
      layout,
      params,
      weightsDtype: dtype,
      optimizer: { step: 3, m: params, v: params },
    });
    for (const dtype of ['F32', 'BF16'] as const) {
      const size = (await readAll(exportBundle(fromParams(dtype)))).length;
      const counted = zipDataBytes(bundleEntries(fromParams(dtype)));
      expect(counted).toBeLessThan(size);
      expect(counted).toBeGreaterThan(0.99 * size);
    }
  });

  it("refuses a bundle whose tokenizer.json is not JSON, or is not the config's size", async () => {
    const bundle = importBundle(
      await readAll(
        exportBundle({ ...testBundleInput(), tokenizerJson: tokenizer.toHuggingFaceJson() }),
      ),
    );
    expect(() => bundleTokenizer({ ...bundle, tokenizerJson: '{"model":' })).toThrow(
      BundleImportError,
    );
    expect(() => bundleTokenizer({ ...bundle, tokenizerJson: '{"model":' })).toThrow(
      'tokenizer.json is not valid JSON',
    );
    const wider = { ...bundle, config: { ...bundle.config, vocab_size: tokenizer.vocabSize + 1 } };
    expect(() => bundleTokenizer(wider)).toThrow(
      `tokenizer.json has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${tokenizer.vocabSize + 1}`,
    );
  });

  it('takes steps, tokens, time and settings from training_state.json, and keeps them', async () => {
    const base = testBundleInput(5);
    const settings = { ...defaultSettings('i3-test', base.config), batchSize: 3, seed: 77 };
    const training = { steps: 7, tokens: 99, time: 2.5, settings };
    const bundle = importBundle(
      await readAll(
        exportBundle({ ...base, tokenizerJson: tokenizer.toHuggingFaceJson(), training }),
      ),
    );
    const ck = checkpointFromBundle(bundle, tokenizer, 'trained');
    expect(ck.meta).toMatchObject({ step: 7, tokens: 99, time: 2.5, settings });
    expect(bundleInputFromCheckpoint(ck, nodePythonSources()).training).toMatchObject(training);
    // With its run as the studio stored it: the run's note and its sweep, named for the card, and
    // its name as the run is named now (renamed since the checkpoint was written).
    const run = {
      name: 'renamed',
      note: 'seed 77',
      sweep: { id: 's', axis: 'seed' as const, value: 77 },
    };
    const input = bundleInputFromCheckpoint(ck, nodePythonSources(), undefined, undefined, run);
    expect(input.training).toMatchObject({
      note: 'seed 77',
      sweep: { setting: 'seed', value: '77' },
    });
    expect(input.modelName).toBe('renamed');
    expect(ck.meta.name).not.toBe('renamed');
  });

  it('tells a bundle imported again from the same weights under another name', () => {
    const summary = (
      runName: string,
      weights: string | undefined,
      source: CheckpointSummary['source'] = 'import',
      step = 3,
    ): CheckpointSummary => ({
      id: `${runName}@${step}`,
      runId: runName,
      runName,
      step,
      tokens: 96,
      loss: 4,
      createdAt: 0,
      bytes: 1000,
      source,
      weights,
    });
    const trained = summary('i3-test #1', undefined, 'training');
    const web = summary('i3-web', 'aa');
    const stored = [trained, web, summary('notes', 'bb')];
    expect(earlierImport(stored, summary('i3-web', 'aa'))).toEqual({
      again: web,
      sameWeights: web,
    });
    // A browser's second download of it, "i3-web (1).zip": the same weights, another name.
    const renamed = earlierImport(stored, summary('i3-web (1)', 'aa'));
    expect(renamed.again).toBeUndefined();
    expect(renamed.sameWeights).toBe(web);
    // Trained further under the same name: other weights (and another step).
    const further = earlierImport(stored, summary('i3-web', 'cc', 'import', 9));
    expect(further.again).toBeUndefined();
    expect(further.sameWeights).toBeUndefined();
    // A checkpoint imported before digests were kept has none: never taken for a match.
    expect(earlierImport([summary('old', undefined)], summary('old', 'aa'))).toEqual({});
  });
});
