// Setting up a training run, the same in the browser worker and the Node CLI: the GPU model from
// the config and settings, weights from the seed or a checkpoint, the batch source over the
// dataset's shards and any mixed in (with its cursor restored), and the trainer.

import { ChunkTokenizer, type ChunkTokenizerJson } from '../data/chunkTokenizer';
import type { ShardSource } from '../data/shardReader';
import { PAD_ID } from '../data/specialTokens';
import type { GpuRuntime } from '../gpu/runtime';
import { type ActivationMode, estimateGpuBytes, mib } from '../model/buffers';
import type { I3Config } from '../model/config';
import { validateConfig } from '../model/config';
import { I3Model } from '../model/i3';
import { initParameters } from '../model/init';
import { batchSource } from './batchSource';
import type { Checkpoint, TrainSettings } from './checkpoint';
import { activationsOf, runTooLarge, validateSettings } from './defaults';
import { TrainingSampler } from './samples';
import { freshStart, Trainer, type TrainerEvents } from './trainer';

/**
 * Where a run from `resume` picks up its data: the checkpoint's place in its dataset where the run
 * trains on that dataset; the start of any other (a checkpoint trained further on new files with
 * its tokenizer), whose shards that place does not describe.
 */
export function resumeCursor(resume: Checkpoint | undefined, datasetId: string): unknown {
  if (!resume || resume.meta.datasetId !== datasetId) return undefined;
  return resume.meta.dataCursor;
}

export interface RunSetup {
  runId: string;
  name: string;
  config: I3Config;
  settings: TrainSettings;
  source: ShardSource;
  datasetId: string;
  /** The sources of settings.mixIn's datasets, in its order. */
  mixIn?: ShardSource[];
  tokenizer: ChunkTokenizerJson;
  /** Continue from this checkpoint instead of the seed's initial weights. */
  resume?: Checkpoint;
  events: TrainerEvents;
}

export class RunSetupError extends Error {}

/** settings.mixIn's shares with their sources (given in its order), or why they do not match. */
export function mixedSources(
  settings: TrainSettings,
  sources: ShardSource[] = [],
): { source: ShardSource; share: number }[] {
  const mixIn = settings.mixIn ?? [];
  if (sources.length !== mixIn.length) {
    throw new RunSetupError('The datasets to mix in are not all there: choose them again.');
  }
  return mixIn.map((m, k) => ({ source: sources[k], share: m.share }));
}

/** A prepared run: its trainer, its model on the GPU, and destroy() to free what it holds. */
export interface PreparedRun {
  trainer: Trainer;
  model: I3Model;
  destroy(): void;
}

export async function prepareRun(rt: GpuRuntime, setup: RunSetup): Promise<PreparedRun> {
  const { config, settings, resume } = setup;
  const problems = validateConfig(config);
  if (problems.length)
    throw new RunSetupError(`The model config is invalid: ${problems.join('; ')}.`);
  const bad = validateSettings(settings);
  if (bad.length) throw new RunSetupError(`The training settings are invalid: ${bad.join('; ')}.`);
  const tokenizerId = ChunkTokenizer.fromJSON(setup.tokenizer).identity();
  if (resume && resume.meta.tokenizerId !== tokenizerId) {
    throw new RunSetupError(
      'The checkpoint was trained with another tokenizer than this dataset’s; continue it on ' +
        'its own dataset, or start a new run.',
    );
  }
  const gpu = await makeRunGpu(rt, config, settings, setup.tokenizer);
  const { model, sampler } = gpu;
  model.loadState(
    resume?.params ?? initParameters(config, settings.seed),
    resume?.adamM,
    resume?.adamV,
  );
  const batches = batchSource(
    setup.source,
    { batchSize: settings.batchSize, seqLen: settings.seqLen, seed: settings.seed },
    mixedSources(settings, setup.mixIn),
    resumeCursor(resume, setup.datasetId),
  );
  const start = resume
    ? {
        step: resume.meta.step,
        tokens: resume.meta.tokens,
        time: resume.meta.time,
        metrics: structuredClone(resume.meta.metrics),
      }
    : freshStart();
  const trainer = new Trainer(
    model,
    batches,
    {
      runId: setup.runId,
      name: setup.name,
      config,
      settings,
      tokenizerId,
      tokenizer: setup.tokenizer,
      datasetId: setup.datasetId,
    },
    setup.events,
    start,
    sampler,
  );
  return { trainer, model, destroy: gpu.destroy };
}

/** A run's objects on the GPU: its model, its sampler if it writes samples, and destroy(). */
export interface RunGpu {
  model: I3Model;
  sampler?: TrainingSampler;
  destroy(): void;
}

/**
 * The model a run of this config and settings trains (with its sampler where `tokenizer` is given
 * and the settings ask for samples). A buffer over the device's largest, or a device short of
 * memory, ends here with a message that says what to change: a device short of memory reports
 * it in an error scope, not where a buffer is made, and the run would otherwise train on buffers
 * that do not exist.
 */
export async function makeRunGpu(
  rt: GpuRuntime,
  config: I3Config,
  settings: TrainSettings,
  tokenizer?: ChunkTokenizerJson,
): Promise<RunGpu> {
  const shape = { B: settings.batchSize, T: settings.seqLen };
  const activations = activationsOf(settings);
  const maxBufferSize = rt.info.limits.maxBufferSize;
  const tooLarge = maxBufferSize && runTooLarge(config, settings, maxBufferSize);
  if (tooLarge) throw new RunSetupError(tooLarge);
  rt.device.pushErrorScope('out-of-memory');
  let made: RunGpu;
  try {
    made = await createRunGpu(rt, config, settings, activations, tokenizer);
  } catch (e) {
    await rt.device.popErrorScope();
    throw e;
  }
  if (!(await rt.device.popErrorScope())) return made;
  made.destroy();
  throw new RunSetupError(
    `The GPU ran out of memory for this model at batch ${shape.B} × ${shape.T} ` +
      `(${mib(estimateGpuBytes(config, shape, activations))} planned). Lower the batch (gradient accumulation ` +
      "keeps the tokens per step), set activations to 'recompute', or pick a smaller preset.",
  );
}

/** makeRunGpu's objects, made without its checks; what is made is freed if a later part fails. */
async function createRunGpu(
  rt: GpuRuntime,
  config: I3Config,
  settings: TrainSettings,
  activations: ActivationMode,
  tokenizer?: ChunkTokenizerJson,
): Promise<RunGpu> {
  const model = await I3Model.create(
    rt,
    config,
    { B: settings.batchSize, T: settings.seqLen },
    {
      accumSteps: settings.accumSteps,
      clipNorm: settings.clipNorm,
      adam: {
        beta1: settings.beta1,
        beta2: settings.beta2,
        eps: settings.eps,
        weightDecay: settings.weightDecay,
      },
      padId: PAD_ID,
      activations,
    },
  );
  let sampler: TrainingSampler | undefined;
  try {
    if (tokenizer)
      sampler = await TrainingSampler.create(rt, model.params, config, tokenizer, settings);
  } catch (e) {
    model.destroy();
    throw e;
  }
  return {
    model,
    sampler,
    destroy: () => {
      sampler?.destroy();
      model.destroy();
    },
  };
}
