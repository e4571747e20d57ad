// The one typed message protocol between the UI thread and every worker. Each worker has a
// request type (UI → worker) and an event type (worker → UI); nothing else crosses postMessage.

import type { I3Config } from './model/config';
import type { TrainSettings } from './train/checkpoint';
import type { EvalMetrics, StepMetrics } from './train/metrics';
import type { CheckpointSummary } from './train/runStore';
import type { RunState } from './train/trainer';

// ── train worker ──

export interface AdapterReport {
  description: string;
  f16: boolean;
  subgroups: boolean;
  timestamps: boolean;
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
}

export type TrainRequest =
  | { type: 'init' }
  | { type: 'start'; run: RunSpec }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type TrainEvent =
  | { type: 'ready'; adapter: AdapterReport; selfTest: SelfTestReport }
  | {
      type: 'run-info';
      runId: string;
      parameters: number;
      gpuBytes: number;
      tokensPerStep: number;
      dataset: string;
    }
  | { type: 'run-state'; runId: string; state: RunState; message?: string }
  /** Several steps at once: the worker batches them so that fast runs do not flood the UI. */
  | { type: 'steps'; runId: string; steps: StepMetrics[] }
  | { type: 'eval'; runId: string; eval: EvalMetrics }
  | { type: 'checkpoint'; runId: string; checkpoint: CheckpointSummary }
  | { type: 'gpu-unavailable'; message: string }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string };

// ── ingest worker ──

/** How an import runs; the defaults are in src/store/datasets.ts. */
export interface IngestOptions {
  name?: string;
  vocabSize: number;
  lowercase: boolean;
  txtMode: 'auto' | 'lines' | 'paragraphs';
  /** CSV/parquet text column; empty for the default ("text", "messages", ...). */
  column?: string;
  validationEvery: number;
  /** Resume this interrupted ('importing') dataset with the same files. */
  resumeId?: string;
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
  | { type: 'cancel'; jobId: string };

export type IngestEvent =
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
