// A trained i3-test model, exported by the Node CLI's path, against PyTorch: the bundle's
// modeling_i3.py with the exported weights gives the logits of the studio's WGSL forward.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpointFile } from '../cli/export';
import { testRuntime } from '../gpu/testing';
import { presetConfig } from '../model/config';
import { I3Model } from '../model/i3';
import { maxAbsDiff } from '../ops/check';
import { type Checkpoint, encodeCheckpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { prepareRun } from '../train/run';
import { catsDataset } from '../train/testCorpus';
import { Rng } from '../util/random';
import { PYTHON, runPythonForward, torchUnavailable } from './pythonInterop';

const skipReason = await torchUnavailable();
if (skipReason) console.warn(`SKIPPED trained-model interop test: ${skipReason}`);

describe.skipIf(skipReason !== null)(`trained model: WGSL forward vs PyTorch (${PYTHON})`, () => {
  let work = '';
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('modeling_i3.py with the exported weights matches the WGSL logits within 1e-3', async () => {
    const rt = await testRuntime();
    const { source, manifest } = await catsDataset();
    const config = presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length });
    const base = defaultSettings('i3-test', config);
    const settings = { ...base, schedule: { ...base.schedule, totalSteps: 15 }, evalInterval: 0 };
    let last: Checkpoint | undefined;
    const { trainer, destroy } = await prepareRun(rt, {
      runId: 'interop',
      name: 'interop',
      config,
      settings,
      source,
      datasetId: manifest.id,
      tokenizer: manifest.tokenizer,
      events: {
        onStep: () => {},
        onEval: () => {},
        onCheckpoint: async (ck) => {
          last = ck;
        },
        onState: () => {},
      },
    });
    expect(await trainer.train()).toBe('finished');
    destroy();
    const ck = last!;
    expect(ck.meta.step).toBe(15);

    work = await mkdtemp(join(tmpdir(), 'i3-trained-'));
    const ckPath = join(work, 'checkpoint.bin');
    await writeFile(ckPath, await encodeCheckpoint(ck));
    await exportCheckpointFile({ checkpoint: ckPath, dir: join(work, 'bundle') });

    const B = 2;
    const T = config.max_seq_len;
    const rng = new Rng(8);
    const rows = [0, 1].map(() => Array.from({ length: T }, () => rng.int(config.vocab_size)));
    const gpu = await I3Model.create(rt, config, { B, T });
    gpu.loadState(ck.params);
    const wgsl = await gpu.forwardLogits(Uint32Array.from(rows.flat()));
    gpu.destroy();
    const torch = await runPythonForward(join(work, 'bundle'), rows);
    const diff = maxAbsDiff(wgsl, torch);
    console.info(`max |WGSL − PyTorch| over ${wgsl.length} logits: ${diff.toExponential(2)}`);
    // Both run fp32 through the same graph in a different order: ~1e-6 is expected; the issue's
    // bound is 1e-3, and a wrong weight or layout would be off by ≫ 1e-2.
    expect(diff).toBeLessThan(1e-3);
    expect(maxAbsDiff(wgsl, new Float32Array(wgsl.length))).toBeGreaterThan(0.5);
  });
});
