import { describe, expect, it } from 'vitest';
import { testCheckpoint } from '../cli/testCheckpoint';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { testRuntime } from '../gpu/testing';
import { presetConfig } from '../model/config';
import { initParameters } from '../model/init';
import { batchSource } from './batchSource';
import type { Checkpoint } from './checkpoint';
import {
  findLearningRate,
  LR_SWEEP_MAX,
  LR_SWEEP_MIN,
  type LrPoint,
  LrSweep,
  suggestLr,
  sweepLr,
} from './lrFinder';
import { makeRunGpu, prepareRun } from './run';
import { catsDataset, catsSettings, datasetWithTokenizer } from './testCorpus';

const point = (lr: number, smoothed: number): LrPoint => ({ lr, loss: smoothed, smoothed });

describe('learning-rate sweep', () => {
  it('grows the rate geometrically from the least to the largest', () => {
    expect(sweepLr(0, 11)).toBeCloseTo(LR_SWEEP_MIN, 12);
    expect(sweepLr(10, 11)).toBeCloseTo(LR_SWEEP_MAX, 12);
    for (let i = 1; i < 11; i++) {
      expect(sweepLr(i, 11) / sweepLr(i - 1, 11)).toBeCloseTo(10 ** 0.5, 9);
    }
  });

  it('smooths the losses with a bias-corrected average and stops once they blow up', () => {
    const sweep = new LrSweep();
    // The first point is the loss itself (bias correction), the second the weighted mean.
    expect(sweep.add(1e-5, 8).point?.smoothed).toBeCloseTo(8, 12);
    expect(sweep.add(2e-5, 6).point?.smoothed).toBeCloseTo((0.9 * 0.1 * 8 + 0.1 * 6) / 0.19, 12);
    for (let i = 0; i < 30; i++) expect(sweep.add(1e-4, 2).diverged).toBe(false);
    let diverged = false;
    for (let i = 0; i < 30 && !diverged; i++) diverged = sweep.add(1, 100).diverged;
    expect(diverged).toBe(true);
    // It stops at the first loss over 4 times the lowest smoothed one (about 2).
    expect(sweep.points.length).toBe(33);
    // A NaN loss stops the sweep at once and adds no point.
    const n = sweep.points.length;
    expect(sweep.add(1, Number.NaN)).toEqual({ diverged: true });
    expect(sweep.points.length).toBe(n);
  });

  it('stops once the smoothed loss climbs back above where it started, after a fall', () => {
    // A flat, noisy start: the average drifts above the first loss, and the sweep goes on.
    const flat = new LrSweep();
    flat.add(1e-5, 8.4);
    for (let i = 0; i < 20; i++) expect(flat.add(1e-5, i % 2 ? 8.3 : 8.6).diverged).toBe(false);
    // A fall of 5% or more, then a return to the uniform guess's loss: the model is wrecked.
    const sweep = new LrSweep();
    sweep.add(1e-5, 8.4);
    for (let i = 0; i < 20; i++) sweep.add(1e-4, 7.5);
    let stopAt = 0;
    for (let i = 1; i <= 40 && !stopAt; i++) if (sweep.add(1, 8.6).diverged) stopAt = i;
    // The smoothed loss nears 8.6 from about 7.5 by a tenth of the gap a step: it stops at the
    // first step above the start, 8.4, some 16 steps on.
    expect(stopAt).toBeGreaterThan(10);
    expect(sweep.points.at(-1)?.smoothed).toBeGreaterThan(8.4);
    expect(sweep.points.at(-2)?.smoothed).toBeLessThanOrEqual(8.4);
  });

  it('suggests a third of the rate at the lowest smoothed loss, none if it never fell', () => {
    expect(suggestLr([point(1e-4, 8), point(1e-3, 6), point(3e-2, 5), point(1e-1, 9)])).toBeCloseTo(
      1e-2,
      12,
    );
    expect(suggestLr([point(1e-4, 8), point(1e-3, 8.5), point(1e-2, 9)])).toBeUndefined();
    expect(suggestLr([])).toBeUndefined();
  });
});

describe('learning-rate finder on the GPU', () => {
  it('trains the sweep on the dataset: the loss falls, then blows up past a usable rate', async () => {
    const rt = await testRuntime();
    const { source, manifest } = await catsDataset();
    const config = presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length });
    const settings = catsSettings(100);
    const before = rt.memory().current - rt.memory().uniforms;
    const seen: number[] = [];
    const result = await findLearningRate(
      rt,
      { config, settings, source },
      { steps: 40, onPoint: (_p, i, of) => seen.push(i * 1000 + of) },
    );
    // Every point reached the listener as it came, in order.
    expect(seen).toEqual(result.points.map((_, i) => i * 1000 + 40));
    // The cats corpus is learnable: at the rate of the lowest smoothed loss the loss had fallen
    // well below its start (ln 64 ≈ 4.2 nats for a uniform guess), and Adam at rates near 1
    // wrecks the weights: the sweep stopped at a loss over 4 times that lowest (or an average
    // back above the start). Where among the sweep's last points (rates 0.4-1) depends on fp32
    // rounding: at point 38 or 40 of 40 as the gradient norm's sums changed order.
    const start = result.points[0].smoothed;
    const lowest = result.points.reduce((a, b) => (b.smoothed < a.smoothed ? b : a));
    expect(lowest.smoothed).toBeLessThan(start - 1);
    expect(result.diverged).toBe(true);
    const last = result.points.at(-1) ?? lowest;
    expect(last.loss > 4 * lowest.smoothed || last.smoothed > start).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.suggestion).toBeCloseTo(lowest.lr / 3, 12);
    expect(result.points.every((p, i) => p.lr === sweepLr(i, 40))).toBe(true);
    // Nothing of the sweep stays on the device.
    expect(rt.memory().current - rt.memory().uniforms).toBe(before);
  });

  it('ends after the step in progress when cancelled, keeping the points so far', async () => {
    const rt = await testRuntime();
    const { source, manifest } = await catsDataset();
    const config = presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length });
    const stop = new AbortController();
    const result = await findLearningRate(
      rt,
      { config, settings: catsSettings(100), source },
      { steps: 40, onPoint: (_p, i) => i === 4 && stop.abort(), signal: stop.signal },
    );
    expect(result.points.length).toBe(5);
    expect(result.cancelled).toBe(true);
    expect(result.diverged).toBe(false);
  });

  it('draws its batches as the run would, mixed-in datasets and all', async () => {
    const rt = await testRuntime();
    const { source, manifest } = await catsDataset();
    const text = Array.from({ length: 300 }, () => 'the dog sat on the log.').join('\n');
    const tokenizer = ChunkTokenizer.fromJSON(manifest.tokenizer);
    const mixIn = [await datasetWithTokenizer('dogs', text, tokenizer)];
    const config = presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length });
    const settings = { ...catsSettings(1), mixIn: [{ datasetId: 'dogs', share: 0.5 }] };
    const sweep = await findLearningRate(rt, { config, settings, source, mixIn }, { steps: 2 });
    // A step's loss is the one before its update: the run's first step, from the same weights on
    // the same first batch, has the sweep's first loss (the same launches: exactly).
    const losses: number[] = [];
    const run = await prepareRun(rt, {
      runId: 'r',
      name: 'r',
      config,
      settings,
      source,
      datasetId: 'cats',
      mixIn,
      tokenizer: manifest.tokenizer,
      events: {
        onStep: (m) => losses.push(m.loss),
        onEval: () => {},
        onCheckpoint: async () => {},
        onState: () => {},
      },
    });
    await run.trainer.train();
    run.destroy();
    expect(losses[0]).toBe(sweep.points[0].loss);
    // Without the mixture the first batch, and so the loss, is another.
    const alone = await findLearningRate(
      rt,
      { config, settings: catsSettings(1), source },
      { steps: 1 },
    );
    expect(alone.points[0].loss).not.toBe(sweep.points[0].loss);
    // Settings that mix in a dataset whose shards are not given are refused.
    await expect(findLearningRate(rt, { config, settings, source })).rejects.toThrow(
      /datasets to mix in are not all there/,
    );
  });

  it("sweeps from a checkpoint's weights and optimizer state, its steps numbered on", async () => {
    const rt = await testRuntime();
    const { source, manifest } = await catsDataset();
    const config = presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length });
    const settings = catsSettings(100);
    // A checkpoint at step 50 with weights and moments of its own (not the seed's).
    const base = testCheckpoint();
    const n = initParameters(config, 1).length;
    const from: Checkpoint = {
      meta: { ...base.meta, config, step: 50 },
      params: initParameters(config, 99),
      adamM: Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) * 1e-3),
      adamV: Float32Array.from({ length: n }, (_, i) => 1e-5 * (1 + (i % 5))),
    };
    const result = await findLearningRate(rt, { config, settings, from, source }, { steps: 3 });
    // The same two steps by hand: that model, the same batches, the sweep's rates at steps 51, 52.
    const batches = batchSource(source, {
      batchSize: settings.batchSize,
      seqLen: settings.seqLen,
      seed: settings.seed,
    });
    const gpu = await makeRunGpu(rt, config, settings);
    try {
      gpu.model.loadState(from.params, from.adamM, from.adamV);
      for (let i = 0; i < 2; i++) {
        const { loss } = await gpu.model.step(
          [await batches.nextTrainBatch()],
          sweepLr(i, 3),
          51 + i,
        );
        expect(result.points[i].loss).toBe(loss);
      }
    } finally {
      gpu.destroy();
    }
    // A fresh model's sweep starts elsewhere.
    const fresh = await findLearningRate(rt, { config, settings, source }, { steps: 1 });
    expect(fresh.points[0].loss).not.toBe(result.points[0].loss);
  });

  it('refuses an invalid setup before it makes anything', async () => {
    const rt = await testRuntime();
    const { source } = await catsDataset();
    const settings = { ...catsSettings(100), batchSize: 0 };
    await expect(
      findLearningRate(rt, { config: presetConfig('i3-test'), settings, source }),
    ).rejects.toThrow(/The setup is invalid/);
  });
});
