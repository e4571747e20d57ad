// The one typed message protocol between the UI thread and every worker. Each worker has a
// request type (UI → worker) and an event type (worker → UI); nothing else crosses postMessage.

import type { I3Config } from './model/config';
import type { SamplingSettings } from './model/sampling';
import type { GeneratedPiece } from './model/textGeneration';
import type { TrainSettings } from './train/checkpoint';
import type { LrPoint, LrSweepResult } from './train/lrFinder';
import type { EvalMetrics, StepMetrics } from './train/metrics';
import type { CheckpointSummary } from './train/runStore';
import type { LrSchedule, Reschedule } from './train/schedule';
import type { SpeedEstimate } from './train/speedProbe';
import type { SweepTag } from './train/sweep';
import type { RunState, TrainerActivity } from './train/trainer';

// ── train worker ──

export interface AdapterReport {
  description: string;
  /** The largest buffer the device makes, in bytes (where the adapter reports it). */
  maxBufferSize?: number;
  /** A CPU renderer (SwiftShader and the like), not a GPU. */
  software: boolean;
}

export interface SelfTestReport {
  ok: boolean;
  /** Largest |GPU − CPU| over the checked matmul. */
  maxError: number;
  shape: [number, number, number];
  ms: number;
}

export interface RunSpec {
  runId: string;
  name: string;
  config: I3Config;
  settings: TrainSettings;
  datasetId: string;
  /** Continue from this checkpoint (its weights, optimizer state, step and data cursor). */
  resumeFrom?: string;
  /** The sweep the run is one value of (src/train/sweep.ts). */
  sweep?: SweepTag;
}

export type TrainRequest =
  | { type: 'init' }
  | { type: 'start'; run: RunSpec }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /**
   * The live run's schedule changes, where it holds its rate (schedule.ts, rescheduled): its
   * cool-down starts now, its steps after the warm-up grow by half, or it ends so many steps on.
   */
  | { type: 'reschedule'; to: Reschedule }
  /**
   * A run's note, or its name (which its checkpoints' summaries carry too), set through the worker,
   * which holds the live run's record.
   */
  | { type: 'note'; runId: string; note: string }
  | { type: 'rename'; runId: string; name: string }
  /** Time a few steps of the run these would make (src/train/speedProbe.ts). */
  | { type: 'probe'; probeId: string; config: I3Config; settings: TrainSettings }
  /**
   * The learning-rate range test of the run these would make (src/train/lrFinder.ts); from a
   * checkpoint's weights where the run trains that checkpoint further (its config is then the
   * checkpoint's).
   */
  | {
      type: 'find-lr';
      sweepId: string;
      config: I3Config;
      settings: TrainSettings;
      datasetId: string;
      checkpointId?: string;
    }
  /** A checkpoint's loss on a dataset's validation split (src/train/evaluation.ts). */
  | { type: 'evaluate'; evalId: string; checkpointId: string; datasetId: string }
  /**
   * Ends that sweep (after its current step; its result keeps the points so far) or evaluation,
   * or drops it if it is still queued: jobId is its sweepId or evalId.
   */
  | { type: 'cancel-gpu-job'; jobId: string };

export type TrainEvent =
  | { type: 'ready'; adapter: AdapterReport; selfTest: SelfTestReport }
  | {
      type: 'run-info';
      runId: string;
      parameters: number;
      /** What the run's model, optimizer and activations took on the device. */
      gpuBytes: number;
    }
  | { type: 'run-state'; runId: string; state: RunState; message?: string }
  /** The live run's schedule changed (a reschedule asked for): stored with it. */
  | { type: 'run-schedule'; runId: string; schedule: LrSchedule }
  /** Several steps at once: the worker batches them so that fast runs do not flood the UI. */
  | { type: 'steps'; runId: string; steps: StepMetrics[] }
  | { type: 'eval'; runId: string; eval: EvalMetrics }
  /** The live run evaluates, writes a sample or saves a checkpoint (none: it steps again). */
  | { type: 'activity'; runId: string; activity?: TrainerActivity }
  | { type: 'checkpoint'; runId: string; checkpoint: CheckpointSummary }
  /** The run to start is training in another tab (src/train/runLock.ts): it did not start here. */
  | { type: 'run-elsewhere'; runId: string }
  /** A probe's figure, or why there is none. */
  | { type: 'probe'; probeId: string; estimate?: SpeedEstimate; message?: string }
  /** A step of the learning-rate sweep: its point, index (0-based) and the sweep's length. */
  | { type: 'lr-point'; sweepId: string; point: LrPoint; index: number; steps: number }
  /** The sweep's end: its result, or why there is none. */
  | { type: 'lr-found'; sweepId: string; result?: LrSweepResult; message?: string }
  /**
   * An evaluation's progress (batches done of total), its end (the checkpoint's summary as
   * stored, with the evaluation), or why it failed.
   */
  | {
      type: 'evaluation';
      evalId: string;
      progress?: { done: number; total: number };
      checkpoint?: CheckpointSummary;
      message?: string;
    }
  | { type: 'gpu-unavailable'; message: string }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string };

// ── ingest worker ──

/**
 * Where an import takes its tokenizer instead of training one on its files: a stored dataset's, or
 * a checkpoint's, so that the checkpoint can train further on the new files (src/data/
 * tokenizerSource.ts).
 */
export type TokenizerSource = { kind: 'dataset'; id: string } | { kind: 'checkpoint'; id: string };

/** How an import runs; the defaults are in src/store/datasets.ts. */
export interface IngestOptions {
  name?: string;
  /** Tokenize with this tokenizer (vocabSize and lowercase then do not apply). */
  tokenizerFrom?: TokenizerSource;
  vocabSize: number;
  lowercase: boolean;
  txtMode: 'auto' | import('./data/formats').TxtMode;
  /** CSV/parquet text column; empty for the default ("text", "messages", ...). */
  column?: string;
  validationEvery: number;
  repeats: import('./data/shardStore').RepeatPlacement;
}

export interface IngestFileProblem {
  file: string;
  kind: import('./data/textStream').FileErrorKind;
  message: string;
  /** For kind 'column': the columns to choose from. */
  columns?: string[];
}

export type IngestRequest =
  | { type: 'import'; jobId: string; files: File[]; options: IngestOptions }
  /**
   * The files at `addresses` (absolute URLs, or Hugging Face datasets: src/data/hubDataset.ts),
   * downloaded one after another (src/data/urlDownload.ts), then imported as one dataset.
   */
  | { type: 'import-url'; jobId: string; addresses: string[]; options: IngestOptions }
  | { type: 'cancel'; jobId: string };

export type IngestEvent =
  | {
      type: 'download';
      jobId: string;
      progress: import('./data/urlDownload').DownloadProgress;
    }
  | { type: 'progress'; jobId: string; progress: import('./data/importer').ImportProgress }
  | {
      type: 'done';
      jobId: string;
      manifest: import('./data/shardStore').DatasetManifest;
      rejected: IngestFileProblem[];
    }
  | {
      type: 'failed';
      jobId: string;
      kind: import('./data/importer').ImportErrorKind | 'error';
      message: string;
      rejected: IngestFileProblem[];
    };

// ── end ingest worker ──

// ── infer worker ──

/** What a generation draws with (sampling.ts's settings) and how long it may run. */
export interface GenerationSettings extends SamplingSettings {
  maxNewTokens: number;
}

/** A chat (rendered through the chat template, history trimmed to the context) or plain text. */
export type InferPrompt = import('./model/textGeneration').TextPrompt;

export interface LoadedModel {
  checkpointId: string;
  runName: string;
  step: number;
  parameters: number;
  /** max_seq_len: the attention window, and the token budget of the chat history. */
  contextLength: number;
  vocabSize: number;
  /** The adapter of the worker's own device. */
  adapter: string;
}

export type InferRequest =
  /** Loads ahead of the first generation, so that a broken checkpoint shows at once. */
  | { type: 'load'; checkpointId: string }
  | {
      type: 'generate';
      requestId: string;
      checkpointId: string;
      prompt: InferPrompt;
      settings: GenerationSettings;
      /**
       * Also score the latest text the user wrote, token by token ('prompt-score'), with where
       * its tokens looked where `attention` (the maps cost up to 1.8× the scoring's time), and
       * then also where the reply's tokens looked ('reply-attention': the prompt and the reply
       * scored again).
       */
      scorePrompt: false | { attention: boolean };
    }
  /** Ends that generation at once (its 'done' has reason 'abort'). */
  | { type: 'stop'; requestId: string };

export type InferEvent =
  | { type: 'loading'; checkpointId: string }
  | { type: 'loaded'; model: LoadedModel }
  | { type: 'load-failed'; checkpointId: string; message: string }
  /**
   * The prompt is in; droppedMessages older chat messages did not fit the context, and the
   * characters of the latest text the user wrote outside the vocabulary (read as <unk>).
   */
  | { type: 'started'; requestId: string; droppedMessages: number; unknownChars: string[] }
  /**
   * The latest text the user wrote (scorePrompt): each token with its odds under the model, and
   * where its tokens looked in each block (when asked for).
   */
  | {
      type: 'prompt-score';
      requestId: string;
      pieces: GeneratedPiece[];
      attention?: import('./model/textGeneration').TextAttention;
    }
  /**
   * Where the reply's tokens looked in each block (scorePrompt with attention), once it has ended:
   * before its 'done'.
   */
  | {
      type: 'reply-attention';
      requestId: string;
      attention: import('./model/textGeneration').TextAttention;
    }
  /** The tokens generated since the last delta, each its text and odds (~30 events/s). */
  | {
      type: 'delta';
      requestId: string;
      pieces: GeneratedPiece[];
      tokens: number;
      tokensPerSec: number;
    }
  | {
      type: 'done';
      requestId: string;
      reason: import('./model/decode').FinishReason;
      tokens: number;
      tokensPerSec: number;
    }
  | { type: 'failed'; requestId: string; message: string }
  | { type: 'device-lost'; message: string };

// ── end infer worker ──

// ── export worker ──

/** What the UI needs to resume a checkpoint that has no run (an imported one). */
export interface CheckpointDetails {
  checkpointId: string;
  config: I3Config;
  tokenizerId: string;
  step: number;
}

export type ExportRequest =
  /** Writes the checkpoint's bundle to `target` (a handle picked on the UI thread), else to a Blob. */
  | {
      type: 'export';
      jobId: string;
      checkpointId: string;
      fileName: string;
      target?: FileSystemFileHandle;
      /** Its AdamW moments go in too (optimizer.safetensors), where it has them. */
      optimizer: boolean;
      /** The weight files' element type (src/export/tensorDtype.ts). */
      weights: import('./export/tensorDtype').WeightsDtype;
    }
  | { type: 'cancel'; jobId: string }
  /** A dataset's token shards and manifest as a zip for train_i3.py, to a Blob. */
  | { type: 'export-shards'; jobId: string; datasetId: string; fileName: string }
  /** A bundle's .zip, or its files, stored as a checkpoint. */
  | { type: 'import'; jobId: string; files: File[] }
  /** The same, downloaded first: `address` is as the user gave it (src/export/bundleDownload.ts). */
  | { type: 'import-url'; jobId: string; address: string }
  | { type: 'inspect'; jobId: string; checkpointId: string };

export type ExportEvent =
  /** `total` is the files' bytes without zip headers, so `written` ends slightly above it. */
  | { type: 'progress'; jobId: string; written: number; total: number }
  /** `blob` when there was no target: the UI offers it as a download. */
  | { type: 'exported'; jobId: string; fileName: string; bytes: number; blob?: Blob }
  /** An import-url's file as it comes in. */
  | {
      type: 'download';
      jobId: string;
      progress: import('./export/bundleDownload').BundleDownloadProgress;
    }
  /** `sameAs`: the name of an imported checkpoint with the same weights under another name. */
  | {
      type: 'imported';
      jobId: string;
      checkpoint: CheckpointSummary;
      details: CheckpointDetails;
      sameAs?: string;
    }
  /** The bundle is an imported checkpoint already (same name, step and weights): nothing added. */
  | { type: 'already-imported'; jobId: string; checkpoint: CheckpointSummary }
  | { type: 'inspected'; jobId: string; details: CheckpointDetails }
  | { type: 'cancelled'; jobId: string }
  | { type: 'failed'; jobId: string; message: string };

// ── end export worker ──
