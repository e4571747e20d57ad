import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkTokenizer, type ChunkTokenizerJson } from '../data/chunkTokenizer';
import { importDataset } from '../data/importer';
import { type ShardSource, storeSource } from '../data/shardReader';
import { MemoryShardStore } from '../data/shardStore';
import { EOS_ID } from '../data/specialTokens';
import { testRuntime } from '../gpu/testing';
import { ACTIVATION_MODES } from '../model/buffers';
import { presetConfig } from '../model/config';
import { I3Decoder } from '../model/decode';
import { parameterLayout } from '../model/params';
import { generateText, promptIds } from '../model/textGeneration';
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainSettings,
} from './checkpoint';
import type { StepMetrics } from './metrics';
import { prepareRun, type RunSetup, resumeCursor } from './run';
import { coolDownFrom, type LrSchedule, learningRate } from './schedule';
import { catsDataset, catsSettings, datasetWithTokenizer, textFile } from './testCorpus';
import {
  CheckpointNotStoredError,
  type RunState,
  type TrainerActivity,
  type TrainerEvents,
  UNSTORED_END,
} from './trainer';

let source: ShardSource;
let tokenizerId: string;
let tokenizer: ChunkTokenizerJson;
let V: number;

beforeAll(async () => {
  const cats = await catsDataset();
  const manifest = cats.manifest;
  source = cats.source;
  tokenizer = manifest.tokenizer;
  tokenizerId = ChunkTokenizer.fromJSON(tokenizer).identity();
  V = manifest.tokenizer.vocab.length;
});

const settings = catsSettings;

/** Other text, tokenized with the cats tokenizer (the Data pane's borrowed tokenizer). */
const dogsDataset = () =>
  datasetWithTokenizer(
    'dogs',
    Array.from({ length: 400 }, (_, i) => `the dog sat on the log ${i % 7}.`).join('\n'),
    ChunkTokenizer.fromJSON(tokenizer),
  );

interface Recorder extends TrainerEvents {
  steps: StepMetrics[];
  checkpoints: Checkpoint[];
  states: [RunState, string | undefined][];
}

/** Records every event; `onStepHook` runs after each step (e.g. to stop the run). */
function recorder(onStepHook?: (m: StepMetrics) => void): Recorder {
  const r: Recorder = {
    steps: [],
    checkpoints: [],
    states: [],
    onStep: (m) => {
      r.steps.push(m);
      onStepHook?.(m);
    },
    onEval: () => {},
    onCheckpoint: async (ck) => {
      r.checkpoints.push(ck);
    },
    onState: (s, m) => r.states.push([s, m]),
  };
  return r;
}

function setup(s: TrainSettings, events: TrainerEvents, resume?: Checkpoint): RunSetup {
  const config = presetConfig('i3-test', { vocab_size: V });
  return {
    runId: 'r',
    name: 'r',
    config,
    settings: s,
    source,
    datasetId: 'cats',
    tokenizer,
    resume,
    events,
  };
}

async function run(s: TrainSettings, events: TrainerEvents, resume?: Checkpoint) {
  const { trainer } = await prepareRun(await testRuntime(), setup(s, events, resume));
  return trainer;
}

describe('trainer on the i3-test preset', () => {
  it('drives the loss well below a uniform guess', async () => {
    const rec = recorder();
    const s = { ...settings(40), evalInterval: 20 };
    const evals: number[] = [];
    const trainer = await run(s, { ...rec, onEval: (m) => evals.push(m.valLoss) });
    expect(await trainer.train()).toBe('finished');
    const first = rec.steps[0].loss;
    const last = rec.steps.slice(-5).reduce((a, m) => a + m.loss, 0) / 5;
    // Uniform guess: ln V ≈ 4.1 for V = 64. The corpus is nearly deterministic given the
    // sentence frame; the bound 2.0 (half of ln V) is one the initial model (loss ≈ ln V) cannot
    // meet and a trained one meets with margin.
    expect(first).toBeGreaterThan(Math.log(V) - 0.5);
    expect(last).toBeLessThan(2);
    expect(evals).toHaveLength(2);
    expect(evals[1]).toBeLessThan(2);
    for (const m of rec.steps) {
      expect(m.perplexity).toBeCloseTo(Math.exp(m.loss), 6);
      expect(m.gradNorm).toBeGreaterThan(0);
      // A run of 40 steps keeps every step's part norms: the embedding, 2 blocks' two halves and
      // the final norm, each with a gradient, whose squares add up to the global norm's (fp32
      // sums of the same squares in another order: 1e-5 relative).
      const parts = m.partGradNorms ?? [];
      expect(parts).toHaveLength(6);
      for (const norm of parts) expect(norm).toBeGreaterThan(0);
      const total = Math.sqrt(parts.reduce((a, x) => a + x * x, 0));
      expect(Math.abs(total - m.gradNorm)).toBeLessThan(1e-5 * m.gradNorm);
    }
    // Passes over the cats corpus: growing by the same share each step (one epoch has more
    // windows than 40 steps draw, so none wraps here).
    const epochs = rec.steps.map((m) => m.epochs ?? Number.NaN);
    epochs.forEach((e, i) => {
      expect(e).toBeCloseTo((i + 1) * epochs[0], 9);
    });
    expect(epochs[0]).toBeGreaterThan(0);
  });

  // N 3 in each mode: as many steps in all as the one mode at N 6 took (SwiftShader is slow).
  for (const activations of ACTIVATION_MODES) {
    it(`continues exactly after save and load: 2N steps equal N + checkpoint + N (activations ${activations})`, async () => {
      const N = 3;
      const s = { ...settings(2 * N), activations };
      const straight = recorder();
      await (await run(s, straight)).train();

      // Stop after N steps: the checkpoint a stop saves is what the second half resumes from.
      let stop = () => {};
      const first = recorder((m) => {
        if (m.step === N) stop();
      });
      const half = await run(s, first);
      stop = () => half.stop();
      expect(await half.train()).toBe('stopped');
      // Steps are pipelined, so the stop lands on the step after the one that asked for it.
      const saved = first.checkpoints.at(-1)!;
      const n1 = saved.meta.step;
      expect(n1).toBeGreaterThanOrEqual(N);
      expect(n1).toBeLessThan(2 * N);
      const restored = await decodeCheckpoint(await encodeCheckpoint(saved));

      const second = recorder();
      await (await run(s, second, restored)).train();
      expect(second.steps[0].step).toBe(n1 + 1);
      const resumed = [...first.steps.slice(0, n1), ...second.steps];
      expect(resumed.map((m) => m.step)).toEqual(straight.steps.map((m) => m.step));
      for (let i = 0; i < 2 * N; i++) {
        // Same kernels, same order, same data: the GPU arithmetic is deterministic (no atomics).
        expect(resumed[i].loss).toBeCloseTo(straight.steps[i].loss, 5);
      }
    });
  }

  it('saves one checkpoint a step: a pause at an interval checkpoint, then a stop, add none', async () => {
    for (const then of ['resume', 'stop'] as const) {
      const rec = recorder();
      let trainer: Awaited<ReturnType<typeof run>> | undefined;
      const events: TrainerEvents = {
        ...rec,
        // Asked for while the step-2 checkpoint is being saved: the pause lands on step 2.
        onCheckpoint: async (ck) => {
          await rec.onCheckpoint(ck);
          if (ck.meta.step === 2) trainer!.pause();
        },
        onState: (state, message) => {
          rec.onState(state, message);
          if (state === 'paused') trainer![then]();
        },
      };
      trainer = await run({ ...settings(6), checkpointInterval: 2 }, events);
      expect(await trainer.train()).toBe(then === 'stop' ? 'stopped' : 'finished');
      expect(rec.states.map(([state]) => state)).toContain('paused');
      expect(rec.checkpoints.map((c) => c.meta.step)).toEqual(then === 'stop' ? [2] : [2, 4, 6]);
    }
  });

  it('cools a warm-up-stable-decay run down when asked, ending where its new schedule does', async () => {
    const base = settings(40);
    const wsd = { ...base, schedule: { ...base.schedule, decay: 'wsd' as const, cooldown: 0.2 } };
    let trainer: Awaited<ReturnType<typeof run>> | undefined;
    const asked: LrSchedule[] = [];
    const rec = recorder((m) => {
      if (m.step !== 10) return;
      // Steps already dispatched (up to STEPS_IN_FLIGHT) keep the rate they were given: the peak.
      const step = trainer!.step;
      expect(trainer!.rescheduleTo('cool-down')).toEqual(coolDownFrom(wsd.schedule, step));
    });
    trainer = await run(structuredClone(wsd), { ...rec, onSchedule: (s) => asked.push(s) });
    expect(await trainer.train()).toBe('finished');
    expect(asked).toHaveLength(1);
    const total = asked[0].totalSteps;
    expect(total).toBeGreaterThan(11);
    expect(total).toBeLessThan(20);
    expect(rec.steps.map((m) => m.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const m of rec.steps) expect(m.lr).toBe(learningRate(asked[0], m.step - 1));
    // It cooled down: the last steps' rates fall below the peak.
    expect(rec.steps.at(-1)!.lr).toBeLessThan(0.75 * base.schedule.peakLr);
    // The last checkpoint carries the schedule the run ended on (a resume follows it).
    expect(rec.checkpoints.at(-1)?.meta.settings.schedule.totalSteps).toBe(total);
    // Nothing left to train is refused; a change the schedule no longer takes makes none.
    expect(() => trainer!.reschedule({ ...asked[0], totalSteps: total })).toThrow(
      /nothing to train/,
    );
    expect(trainer!.rescheduleTo('longer')).toBeUndefined();
    expect(asked).toHaveLength(1);
  });

  it('evaluates a run stopped between evaluations at its last step, before saving it', async () => {
    let trainer: Awaited<ReturnType<typeof run>> | undefined;
    const evaluated: number[] = [];
    const rec = recorder((m) => {
      if (m.step === 2) trainer!.stop();
    });
    const events = { ...rec, onEval: (m: { step: number }) => evaluated.push(m.step) };
    trainer = await run({ ...settings(12), evalInterval: 10 }, events);
    expect(await trainer.train()).toBe('stopped');
    const saved = rec.checkpoints.map((c) => c.meta.step);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toBeLessThan(10);
    expect(evaluated).toEqual(saved);
  });

  it('goes on when storage refuses a checkpoint, and holds its weights, paused, until the last is stored', async () => {
    for (const then of ['resume', 'stop'] as const) {
      const rec = recorder();
      let full = true;
      let trainer: Awaited<ReturnType<typeof run>> | undefined;
      const events: TrainerEvents = {
        ...rec,
        onCheckpoint: async (ck) => {
          if (full) throw new CheckpointNotStoredError('storage is full');
          await rec.onCheckpoint(ck);
        },
        // The user frees storage, then resumes or stops: either stores the last checkpoint.
        onState: (state, message) => {
          rec.onState(state, message);
          if (state !== 'paused') return;
          full = false;
          trainer![then]();
        },
      };
      trainer = await run({ ...settings(6), checkpointInterval: 2 }, events);
      // Every step ran, so a stop after them still ends the run finished.
      expect(await trainer.train()).toBe('finished');
      // Steps 2 and 4 were refused and training went on; step 6 waited for storage.
      expect(rec.steps.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(rec.states).toContainEqual(['paused', UNSTORED_END]);
      expect(rec.checkpoints.map((c) => c.meta.step)).toEqual([6]);
    }
  });

  it('ends early, finished, when the validation loss stops improving, and saves that step', async () => {
    const rec = recorder();
    const evals: number[] = [];
    const events: TrainerEvents = { ...rec, onEval: (e) => evals.push(e.valLoss) };
    // A learning rate too small to move the loss: no evaluation improves on the first.
    const s = settings(20);
    const flat = {
      ...s,
      schedule: { ...s.schedule, peakLr: 1e-9 },
      evalInterval: 2,
      checkpointInterval: 0,
      earlyStopPatience: 2,
    };
    const trainer = await run(flat, events);
    expect(await trainer.train()).toBe('finished');
    expect(evals).toHaveLength(3);
    expect(rec.steps.at(-1)?.step).toBe(6);
    expect(rec.states.at(-1)?.[1]).toMatch(
      /^Stopped early at step 6: the validation loss has not improved for 2 evaluations \(best [\d.]+ at step 2\)/,
    );
    expect(rec.checkpoints.map((c) => c.meta.step)).toEqual([6]);
  });

  it('ends a run on any other error from storing a checkpoint', async () => {
    const rec = recorder();
    const events: TrainerEvents = {
      ...rec,
      onCheckpoint: async () => {
        throw new Error('disk gone');
      },
    };
    const trainer = await run({ ...settings(6), checkpointInterval: 2 }, events);
    expect(await trainer.train()).toBe('failed');
    expect(rec.states.at(-1)).toEqual(['failed', 'disk gone']);
    expect(rec.steps.at(-1)?.step).toBe(2);
  });

  it('trains a checkpoint further on other files tokenized for it, from their start', async () => {
    const first = recorder();
    await (await run({ ...settings(6), checkpointInterval: 6 }, first)).train();
    const ck = first.checkpoints.at(-1) as Checkpoint;
    expect(ck.meta.datasetId).toBe('cats');
    // Other text, tokenized with the checkpoint's tokenizer.
    const dogs = await dogsDataset();
    // Its place in the cats corpus means nothing in the dogs' shards: the run starts them afresh.
    expect(resumeCursor(ck, 'cats')).toEqual(ck.meta.dataCursor);
    expect(resumeCursor(ck, 'dogs')).toBeUndefined();
    expect(resumeCursor(undefined, 'cats')).toBeUndefined();
    const more = recorder();
    // On a schedule of its own from the checkpoint's step (the store's freshSchedule): warm-up
    // from the first step of the new run.
    const tuning = settings(10);
    const schedule = { ...tuning.schedule, warmupSteps: 2, startStep: 6 };
    const { trainer } = await prepareRun(await testRuntime(), {
      ...setup({ ...tuning, schedule }, more, ck),
      source: dogs,
      datasetId: 'dogs',
    });
    expect(await trainer.train()).toBe('finished');
    expect(more.steps.map((m) => m.step)).toEqual([7, 8, 9, 10]);
    expect(more.steps.map((m) => m.lr)).toEqual(
      [7, 8, 9, 10].map((t) => learningRate(schedule, t - 1)),
    );
    expect(more.steps[0].lr).toBeCloseTo(schedule.peakLr / 2, 12);
    expect(more.steps.every((m) => Number.isFinite(m.loss))).toBe(true);
    expect(more.checkpoints.at(-1)?.meta.datasetId).toBe('dogs');
  });

  it('trains on a mixture of its dataset and another of its tokenizer, and resumes it', async () => {
    const dogs = await dogsDataset();
    const s = { ...settings(6), checkpointInterval: 3, mixIn: [{ datasetId: 'dogs', share: 0.4 }] };
    // Without the mixed-in dataset's shards the run does not start.
    await expect(prepareRun(await testRuntime(), setup(s, recorder()))).rejects.toThrow(
      /datasets to mix in are not all there/,
    );
    const straight = recorder();
    const whole = await prepareRun(await testRuntime(), { ...setup(s, straight), mixIn: [dogs] });
    expect(await whole.trainer.train()).toBe('finished');
    whole.destroy();
    expect(straight.steps.every((m) => Number.isFinite(m.loss))).toBe(true);
    // Its checkpoints keep the place in both datasets: resumed from step 3, the run trains the
    // same steps 4-6 (the same rows, so the same losses).
    const at3 = straight.checkpoints.find((ck) => ck.meta.step === 3) as Checkpoint;
    expect((at3.meta.dataCursor as { readers: unknown[] }).readers).toHaveLength(2);
    const resumed = recorder();
    const again = await prepareRun(await testRuntime(), {
      ...setup(s, resumed, at3),
      mixIn: [dogs],
    });
    expect(await again.trainer.train()).toBe('finished');
    again.destroy();
    expect(resumed.steps.map((m) => m.loss)).toEqual(straight.steps.slice(3).map((m) => m.loss));
  });

  it('stops before its first step when asked before it trains, and saves nothing', async () => {
    const rec = recorder();
    const trainer = await run(settings(6), rec);
    trainer.stop();
    expect(await trainer.train()).toBe('stopped');
    expect(rec.steps).toHaveLength(0);
    expect(rec.checkpoints).toHaveLength(0);
  });

  it("writes a sample at each evaluation: the text a decoder writes from that step's checkpoint", async () => {
    const rec = recorder();
    const samples: { step: number; text?: string }[] = [];
    const s = {
      ...settings(20),
      evalInterval: 10,
      checkpointInterval: 10,
      sampleTokens: 12,
      samplePrompt: 'the cat',
    };
    const activities: (TrainerActivity | undefined)[] = [];
    const trainer = await run(s, {
      ...rec,
      onEval: (m) => samples.push({ step: m.step, text: m.sample }),
      onActivity: (a) => activities.push(a),
    });
    expect(await trainer.train()).toBe('finished');
    expect(samples.map((m) => m.step)).toEqual([10, 20]);
    // Each announced, and ended before the next (step 10's interval checkpoint; the final one).
    const between = ['evaluating', undefined, 'sampling', undefined];
    expect(activities).toEqual([
      ...between,
      'checkpointing',
      undefined,
      ...between,
      'checkpointing',
      undefined,
    ]);
    expect(rec.checkpoints.map((c) => c.meta.step)).toEqual([10, 20]);
    const rt = await testRuntime();
    const decoder = await I3Decoder.create(rt, presetConfig('i3-test', { vocab_size: V }));
    const tok = ChunkTokenizer.fromJSON(tokenizer);
    const { ids } = promptIds(tok, { mode: 'completion', text: 'the cat' }, decoder.window, 12);
    for (const [i, ck] of rec.checkpoints.entries()) {
      decoder.loadParams(ck.params);
      let text = '';
      const options = { maxNewTokens: 12, sampling: { seed: s.seed }, stopTokens: [EOS_ID] };
      for await (const piece of generateText(decoder, tok, ids, options)) text += piece.text;
      expect(samples[i].text, `step ${ck.meta.step}`).toBe(text);
      // The sample is stored with the run's history too.
      expect(ck.meta.metrics.evals[i].sample).toBe(text);
    }
    decoder.destroy();
  });

  it('samples of chat data from the start of a document write whole turns, [INST] and all', async () => {
    const store = new MemoryShardStore();
    const chat = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
      ],
    };
    const chats = Array.from({ length: 300 }, () => JSON.stringify(chat));
    const { manifest } = await importDataset([textFile('chat.jsonl', chats.join('\n'))], store, {
      vocab: { targetSize: 64 },
      shardTokens: 4096,
      validationEvery: 20,
      repeats: 'by-place',
      newId: () => 'chat',
    });
    const samples: (string | undefined)[] = [];
    const { trainer, destroy } = await prepareRun(await testRuntime(), {
      ...setup({ ...settings(40), evalInterval: 40, sampleTokens: 16 }, recorder()),
      config: presetConfig('i3-test', { vocab_size: manifest.tokenizer.vocab.length }),
      source: storeSource(store, manifest),
      datasetId: 'chat',
      tokenizer: manifest.tokenizer,
      events: { ...recorder(), onEval: (m) => samples.push(m.sample) },
    });
    expect(await trainer.train()).toBe('finished');
    destroy();
    // Every document starts with [INST]: a sample that stopped there, as a chat reply does, would
    // be empty. The turn ends at <eos>.
    expect(samples).toHaveLength(1);
    expect(samples[0]).toBe('[INST] hi [/INST] yo');
  });

  it('writes no samples when the settings predate them', async () => {
    const samples: (string | undefined)[] = [];
    const old = { ...settings(2), evalInterval: 2, sampleTokens: undefined };
    const trainer = await run(old, { ...recorder(), onEval: (m) => samples.push(m.sample) });
    await trainer.train();
    expect(samples).toEqual([undefined]);
  });

  it('refuses a batch whose buffers the device cannot make, before making any', async () => {
    const rt = await testRuntime();
    const before = rt.memory().current;
    // 262,144 sequences of 16: a 1,280 MiB residual stream, over SwiftShader's 1 GiB buffers.
    const huge = { ...settings(1), batchSize: 2 ** 18 };
    await expect(prepareRun(rt, setup(huge, recorder()))).rejects.toThrow(
      /needs a 1,280 MiB buffer \(residual\), and this GPU makes buffers of at most 1,024 MiB: lower/,
    );
    expect(rt.memory().current).toBe(before);
  });

  it('keeps activations when the settings predate the choice', async () => {
    const old = { ...settings(1), activations: undefined };
    const { model } = await prepareRun(await testRuntime(), setup(old, recorder()));
    expect(model.options.activations).toBe('keep');
    model.destroy();
  });

  it('stops on a non-finite loss with a clear message and saves nothing after it', async () => {
    const config = presetConfig('i3-test', { vocab_size: V });
    const poisoned: Checkpoint = {
      meta: {
        runId: 'r',
        name: 'r',
        step: 0,
        tokens: 0,
        time: 0,
        createdAt: 0,
        config,
        settings: settings(20),
        tokenizerId,
        tokenizer,
        datasetId: 'cats',
        dataCursor: undefined,
        metrics: { steps: [], evals: [] },
      },
      params: new Float32Array(parameterLayout(config).totalFloats).fill(Number.NaN),
    };
    const rec = recorder();
    const trainer = await run({ ...settings(20), checkpointInterval: 5 }, rec, poisoned);
    expect(await trainer.train()).toBe('failed');
    const [state, message] = rec.states.at(-1)!;
    expect(state).toBe('failed');
    expect(message).toMatch(/loss became NaN at step \d+.*last good checkpoint is kept/);
    expect(rec.checkpoints).toHaveLength(0);
  });
});
