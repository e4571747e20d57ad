/// <reference lib="webworker" />
// The GPU worker: it owns the WebGPU device and runs the training loop, so that the UI thread
// never waits on the GPU. It reads the dataset's shards and writes runs and checkpoints to
// IndexedDB itself, and speaks only the train-worker messages of src/protocol.ts.

import { ChunkTokenizer } from '../src/data/chunkTokenizer';
import { IdbShardStore } from '../src/data/idbShardStore';
import { type ShardSource, storeSource } from '../src/data/shardReader';
import type { DatasetManifest } from '../src/data/shardStore';
import { recentLoss } from '../src/export/checkpointBundle';
import { browserShaders } from '../src/gpu/browserShaders';
import { acquireGpu, describeAdapter, WebGpuUnavailableError } from '../src/gpu/device';
import { GpuRuntime } from '../src/gpu/runtime';
import { matmulSelfTest } from '../src/gpu/selfTest';
import type { I3Config } from '../src/model/config';
import { parameterCount } from '../src/model/config';
import type { RunSpec, TrainEvent, TrainRequest } from '../src/protocol';
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainSettings,
} from '../src/train/checkpoint';
import { evaluateCheckpoint } from '../src/train/evaluation';
import { findLearningRate } from '../src/train/lrFinder';
import type { StepMetrics } from '../src/train/metrics';
import { prepareRun } from '../src/train/run';
import { withRunLock } from '../src/train/runLock';
import {
  type CheckpointSummary,
  getCheckpointBytes,
  getRun,
  putCheckpoint,
  putRun,
  type RunRecord,
  recordEvaluation,
  setRunName,
  setRunNote,
} from '../src/train/runStore';
import { probeTrainingSpeed } from '../src/train/speedProbe';
import { CheckpointNotStoredError, type Trainer } from '../src/train/trainer';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: TrainEvent) => self.postMessage(event);
let runtime: GpuRuntime | undefined;
let trainer: Trainer | undefined;
/**
 * The last run until its teardown ends: its end is reported first (buffers freed, record stored
 * and lock let go after), and the next run, which a queue starts at once, waits for the rest.
 */
let lastRun: Promise<void> = Promise.resolve();
/** Whether `trainer`'s run has reported its end (it is only tearing down). */
let trainerEnded = false;
/** The record of the run training here, which the worker writes as the run goes. */
let liveRecord: RunRecord | undefined;
/** A pause or stop that came while the run was being prepared: its trainer gets it first. */
let early: 'pause' | 'stop' | undefined;
let deviceLost = false;

const DEVICE_LOST_DURING_RUN =
  'The GPU device was lost during training (a driver reset, or the GPU was needed elsewhere). ' +
  'Checkpoints saved so far are kept: reload the page, then resume from the last one.';

async function init(): Promise<void> {
  try {
    const ctx = await acquireGpu(navigator.gpu);
    runtime = new GpuRuntime(ctx, browserShaders);
    ctx.lost.then((info) => {
      if (info.reason === 'destroyed') return;
      deviceLost = true;
      trainer?.stop();
      currentJob?.stop.abort();
      post({
        type: 'device-lost',
        message: `The GPU device was lost (${info.message || 'no reason given'}).`,
      });
    });
    const selfTest = await matmulSelfTest(runtime);
    const adapter = {
      description: describeAdapter(ctx.info),
      maxBufferSize: ctx.info.limits.maxBufferSize,
      software: ctx.info.software,
    };
    post({ type: 'ready', adapter, selfTest });
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) post({ type: 'gpu-unavailable', message: e.message });
    else post({ type: 'error', message: (e as Error).message });
  }
}

/** Steps go to the UI in batches and to IndexedDB every few seconds (a crashed tab keeps them). */
class MetricsOutbox {
  private pending: StepMetrics[] = [];
  private lastFlush = 0;
  private lastPersist = 0;

  constructor(private readonly record: RunRecord) {}

  add(m: StepMetrics): void {
    this.record.metrics.steps.push(m);
    this.pending.push(m);
    const now = performance.now();
    if (now - this.lastFlush > 500) this.flush();
    if (now - this.lastPersist > 3000) {
      this.lastPersist = now;
      void putRun(this.record).catch(() => {});
    }
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    post({ type: 'steps', runId: this.record.id, steps: this.pending });
    this.pending = [];
  }
}

async function loadCheckpoint(id: string): Promise<Checkpoint> {
  const bytes = await getCheckpointBytes(id);
  if (!bytes) throw new Error('The checkpoint is no longer stored.');
  return decodeCheckpoint(bytes);
}

/**
 * The speed probes, learning-rate sweeps and evaluations asked for, one after another: a run waits
 * for them (a sweep or evaluation it ends first), so that no two share the GPU. Each job reports
 * its own errors.
 */
let gpuJobs: Promise<void> = Promise.resolve();
/** Ends the sweep or evaluation in progress. */
let currentJob: { id: string; stop: AbortController } | undefined;
/** Queued sweeps and evaluations cancelled before they began. */
const cancelledJobs = new Set<string>();
/**
 * Runs starting or training: while there is one, the jobs queued behind its start say so instead
 * of running (`trainer` is set only once a run is prepared).
 */
let runsInFlight = 0;

function exclusive(job: () => Promise<void>): void {
  gpuJobs = gpuJobs.then(job);
}

/** The stored dataset of `datasetId` that a model of `config` trains on, or why it cannot. */
async function trainingData(
  datasetId: string,
  config: I3Config,
): Promise<{ store: IdbShardStore; manifest: DatasetManifest } | string> {
  const store = await IdbShardStore.open();
  const manifest = await store.getManifest(datasetId);
  if (manifest?.status !== 'complete') {
    return 'The dataset is missing or not completely imported. Import it again.';
  }
  const vocab = ChunkTokenizer.fromJSON(manifest.tokenizer).vocabSize;
  if (config.vocab_size !== vocab) {
    return `The model's vocab_size (${config.vocab_size}) differs from the dataset's tokenizer (${vocab}).`;
  }
  return { store, manifest };
}

/** Why a checkpoint cannot work on a dataset of another tokenizer than its own, or undefined. */
function tokenizerProblem(manifest: DatasetManifest, ck: Checkpoint): string | undefined {
  if (manifest.tokenizerId === ck.meta.tokenizerId) return undefined;
  return (
    `"${manifest.name}" was tokenized with another tokenizer than this checkpoint's: ` +
    'import its files again with the checkpoint’s tokenizer (Data pane, import options).'
  );
}

/** The sources of the datasets settings.mixIn mixes into a run on `own`, or why one cannot mix. */
async function mixInSources(
  settings: TrainSettings,
  config: I3Config,
  own: DatasetManifest,
): Promise<ShardSource[] | string> {
  const sources: ShardSource[] = [];
  for (const m of settings.mixIn ?? []) {
    const other = await trainingData(m.datasetId, config);
    if (typeof other === 'string') return `A dataset to mix in: ${other}`;
    if (other.manifest.tokenizerId !== own.tokenizerId) {
      return (
        `"${other.manifest.name}" was tokenized with another tokenizer than "${own.name}": ` +
        'only datasets of one tokenizer mix (import its files with that tokenizer).'
      );
    }
    sources.push(storeSource(other.store, other.manifest));
  }
  return sources;
}

/**
 * Runs a speed probe, a sweep or an evaluation (the last two cancellable by `signal`) unless it
 * was cancelled while queued, the GPU is gone or a run trains; `fail` says why not, or what went
 * wrong.
 */
async function gpuJob(
  id: string,
  fail: (message: string) => void,
  work: (rt: GpuRuntime, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const rt = runtime;
  if (cancelledJobs.delete(id)) return fail('Cancelled.');
  if (!rt || deviceLost) return fail('The GPU is not available: reload the page.');
  if (runsInFlight > 0) return fail('A run is training: try again once it ends.');
  const stop = new AbortController();
  currentJob = { id, stop };
  try {
    await work(rt, stop.signal);
  } catch (e) {
    fail(
      deviceLost
        ? 'The GPU device was lost: reload the page.'
        : stop.signal.aborted
          ? 'Cancelled.'
          : (e as Error).message,
    );
  } finally {
    currentJob = undefined;
  }
}

function probe(probeId: string, config: I3Config, settings: TrainSettings): Promise<void> {
  return gpuJob(
    probeId,
    (message) => post({ type: 'probe', probeId, message }),
    async (rt) => {
      post({ type: 'probe', probeId, estimate: await probeTrainingSpeed(rt, config, settings) });
    },
  );
}

function findLr(
  sweepId: string,
  asked: I3Config,
  settings: TrainSettings,
  datasetId: string,
  checkpointId?: string,
): Promise<void> {
  const fail = (message: string) => post({ type: 'lr-found', sweepId, message });
  return gpuJob(sweepId, fail, async (rt, signal) => {
    const from = checkpointId ? await loadCheckpoint(checkpointId) : undefined;
    const config = from?.meta.config ?? asked;
    const data = await trainingData(datasetId, config);
    if (typeof data === 'string') return fail(data);
    const otherTokenizer = from && tokenizerProblem(data.manifest, from);
    if (otherTokenizer) return fail(otherTokenizer);
    const mixIn = await mixInSources(settings, config, data.manifest);
    if (typeof mixIn === 'string') return fail(mixIn);
    const result = await findLearningRate(
      rt,
      { config, settings, from, source: storeSource(data.store, data.manifest), mixIn },
      {
        signal,
        onPoint: (point, index, steps) => post({ type: 'lr-point', sweepId, point, index, steps }),
      },
    );
    post({ type: 'lr-found', sweepId, result });
  });
}

/** The checkpoint's loss on the dataset's validation split, stored with its summary. */
function evaluate(evalId: string, checkpointId: string, datasetId: string): Promise<void> {
  const fail = (message: string) => post({ type: 'evaluation', evalId, message });
  return gpuJob(evalId, fail, async (rt, signal) => {
    const ck = await loadCheckpoint(checkpointId);
    const data = await trainingData(datasetId, ck.meta.config);
    if (typeof data === 'string') return fail(data);
    const otherTokenizer = tokenizerProblem(data.manifest, ck);
    if (otherTokenizer) return fail(otherTokenizer);
    const { loss, tokens } = await evaluateCheckpoint(
      rt,
      ck,
      storeSource(data.store, data.manifest),
      {
        signal,
        onProgress: (done, total) =>
          post({ type: 'evaluation', evalId, progress: { done, total } }),
      },
    );
    if (!Number.isFinite(loss)) {
      return fail(
        'The loss came out as NaN: this checkpoint’s weights hold values that are not numbers. ' +
          'Evaluate an earlier checkpoint of its run.',
      );
    }
    const checkpoint = await recordEvaluation(checkpointId, {
      datasetId,
      datasetName: data.manifest.name,
      loss,
      tokens,
      at: Date.now(),
    });
    if (!checkpoint) return fail('The checkpoint was deleted during its evaluation.');
    post({ type: 'evaluation', evalId, checkpoint });
  });
}

/**
 * Sets a run's note: in the live run's record (which its next write stores, so none overwrites
 * it), else in the database.
 */
async function setNote(runId: string, note: string): Promise<void> {
  try {
    if (liveRecord?.id === runId) {
      liveRecord.note = note || undefined;
      await putRun(liveRecord);
    } else if (!(await setRunNote(runId, note))) {
      post({ type: 'error', message: 'The note was not saved: its run is gone.' });
    }
  } catch (e) {
    post({ type: 'error', message: `The note was not saved: ${(e as Error).message}` });
  }
}

/**
 * Renames a run and its checkpoints (setRunName); the live run's record first, so that its next
 * write keeps the name, and so do the checkpoints it stores after.
 */
async function rename(runId: string, name: string): Promise<void> {
  try {
    if (liveRecord?.id === runId) {
      liveRecord.name = name;
      await putRun(liveRecord);
    }
    if (!(await setRunName(runId, name))) {
      post({ type: 'error', message: 'The run was not renamed: it is gone.' });
    }
  } catch (e) {
    post({ type: 'error', message: `The run was not renamed: ${(e as Error).message}` });
  }
}

async function start(spec: RunSpec): Promise<void> {
  runsInFlight++;
  try {
    currentJob?.stop.abort();
    await gpuJobs;
    if (trainer && !trainerEnded) {
      post({ type: 'error', message: 'A run is already training: stop it first.' });
      return;
    }
    await lastRun;
    if (!runtime || deviceLost) {
      post({
        type: 'run-state',
        runId: spec.runId,
        state: 'failed',
        message: 'The GPU is not available: reload the page to get a new device, then resume.',
      });
      return;
    }
    const rt = runtime;
    const run = withRunLock(
      spec.runId,
      () => train(spec, rt),
      () => post({ type: 'run-elsewhere', runId: spec.runId }),
    );
    // A run that failed to start must not hold up the next.
    lastRun = run.catch(() => {});
    await run;
  } finally {
    runsInFlight--;
  }
}

/** Trains the run of `spec` to its end, holding its lock (start). */
async function train(spec: RunSpec, rt: GpuRuntime): Promise<void> {
  let stored = Promise.resolve();
  let written: RunRecord | undefined;
  // A run whose record is stored ends failed there too: a reload then shows why it ended, not a
  // run cut off with its page.
  const fail = (message: string) => {
    if (written) {
      written.state = 'failed';
      written.message = message;
      stored = putRun(written).catch(() => {});
    }
    post({ type: 'run-state', runId: spec.runId, state: 'failed', message });
  };
  try {
    const data = await trainingData(spec.datasetId, spec.config);
    if (typeof data === 'string') return fail(data);
    const { store, manifest } = data;
    const mixIn = await mixInSources(spec.settings, spec.config, manifest);
    if (typeof mixIn === 'string') return fail(mixIn);
    const resume = spec.resumeFrom ? await loadCheckpoint(spec.resumeFrom) : undefined;
    const record: RunRecord = (await getRun(spec.runId)) ?? {
      id: spec.runId,
      name: spec.name,
      config: spec.config,
      settings: spec.settings,
      datasetId: spec.datasetId,
      createdAt: Date.now(),
      state: 'running',
      metrics: { steps: [], evals: [] },
      sweep: spec.sweep,
    };
    if (resume) record.metrics = structuredClone(resume.meta.metrics);
    liveRecord = record;
    await putRun(record);
    written = record;
    const outbox = new MetricsOutbox(record);
    const before = rt.memory().current;
    const prepared = await prepareRun(rt, {
      runId: spec.runId,
      name: spec.name,
      config: spec.config,
      settings: spec.settings,
      source: storeSource(store, manifest),
      datasetId: manifest.id,
      mixIn,
      tokenizer: manifest.tokenizer,
      resume,
      events: {
        onStep: (m) => outbox.add(m),
        onEval: (m) => {
          outbox.flush();
          record.metrics.evals.push(m);
          post({ type: 'eval', runId: spec.runId, eval: m });
        },
        onCheckpoint: async (ck) => {
          outbox.flush();
          const bytes = await encodeCheckpoint(ck);
          const lastEval = record.metrics.evals.at(-1);
          const summary: CheckpointSummary = {
            id: `${spec.runId}@${ck.meta.step}-${Date.now().toString(36)}`,
            runId: spec.runId,
            runName: record.name,
            step: ck.meta.step,
            tokens: ck.meta.tokens,
            loss: recentLoss(record.metrics),
            // Only a loss of its own weights: a pause between evaluations saves one without.
            valLoss: lastEval?.step === ck.meta.step ? lastEval.valLoss : undefined,
            createdAt: ck.meta.createdAt,
            bytes: bytes.byteLength,
            source: 'training',
          };
          try {
            await putCheckpoint(summary, bytes);
          } catch (e) {
            // Storage refused it (full): the run goes on and the next save tries again.
            post({ type: 'error', message: (e as Error).message });
            throw new CheckpointNotStoredError((e as Error).message);
          }
          // Stored: a run record that does not fit now points to it with its next write.
          record.lastCheckpointId = summary.id;
          await putRun(record).catch(() => {});
          post({ type: 'checkpoint', runId: spec.runId, checkpoint: summary });
        },
        onActivity: (activity) => {
          outbox.flush();
          post({ type: 'activity', runId: spec.runId, activity });
        },
        onSchedule: (schedule) => {
          record.settings = { ...record.settings, schedule };
          stored = putRun(record).catch(() => {});
          post({ type: 'run-schedule', runId: spec.runId, schedule });
        },
        onState: (state, message) => {
          outbox.flush();
          record.state = state;
          record.message = message;
          trainerEnded = state !== 'running' && state !== 'paused';
          stored = putRun(record).catch(() => {});
          post({ type: 'run-state', runId: spec.runId, state, message });
        },
      },
    });
    trainer = prepared.trainer;
    trainerEnded = false;
    if (early) trainer[early]();
    early = undefined;
    post({
      type: 'run-info',
      runId: spec.runId,
      parameters: parameterCount(spec.config),
      gpuBytes: rt.memory().current - before,
    });
    await trainer.train();
    if (deviceLost) fail(DEVICE_LOST_DURING_RUN);
    else prepared.destroy();
  } catch (e) {
    // With the device gone every GPU call fails; say what happened, not the call that failed.
    fail(deviceLost ? DEVICE_LOST_DURING_RUN : (e as Error).message);
  } finally {
    trainer = undefined;
    liveRecord = undefined;
    // The run's lock goes when this returns: another tab then reads the run as it ended.
    await stored;
  }
}

self.onmessage = (ev: MessageEvent<TrainRequest>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init':
      void init();
      break;
    case 'start':
      early = undefined;
      void start(msg.run);
      break;
    case 'pause':
    case 'stop':
      if (trainer) trainer[msg.type]();
      else if (early !== 'stop') early = msg.type;
      break;
    case 'resume':
      trainer?.resume();
      if (early === 'pause') early = undefined;
      break;
    case 'note':
      void setNote(msg.runId, msg.note);
      break;
    case 'rename':
      void rename(msg.runId, msg.name);
      break;
    case 'reschedule': {
      const next = trainer && !trainerEnded && trainer.rescheduleTo(msg.to);
      if (!next)
        post({ type: 'error', message: 'The run’s schedule no longer holds its rate: it stays.' });
      break;
    }
    case 'probe':
      exclusive(() => probe(msg.probeId, msg.config, msg.settings));
      break;
    case 'find-lr':
      exclusive(() =>
        findLr(msg.sweepId, msg.config, msg.settings, msg.datasetId, msg.checkpointId),
      );
      break;
    case 'evaluate':
      exclusive(() => evaluate(msg.evalId, msg.checkpointId, msg.datasetId));
      break;
    case 'cancel-gpu-job':
      if (currentJob?.id === msg.jobId) currentJob.stop.abort();
      else cancelledJobs.add(msg.jobId);
      break;
  }
};
