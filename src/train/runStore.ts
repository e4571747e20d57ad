// Runs and checkpoints in IndexedDB (database "i3-studio"), shared by the train worker, which
// writes, and the UI, which lists and restores them after a reload. Checkpoint bytes are kept
// apart from their summaries so that listing never loads weights.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { isQuotaError } from '../data/shardStore';
import type { I3Config } from '../model/config';
import type { TrainSettings } from './checkpoint';
import type { CheckpointEvaluation } from './evaluation';
import type { MetricsHistory } from './metrics';
import type { SweepTag } from './sweep';
import type { RunState } from './trainer';

export interface RunRecord {
  id: string;
  name: string;
  config: I3Config;
  settings: TrainSettings;
  datasetId: string;
  createdAt: number;
  state: RunState;
  message?: string;
  metrics: MetricsHistory;
  lastCheckpointId?: string;
  /** The sweep the run is one value of. */
  sweep?: SweepTag;
  /** The user's note on the run (what was tried, what happened). */
  note?: string;
}

export interface CheckpointSummary {
  id: string;
  runId: string;
  runName: string;
  step: number;
  tokens: number;
  /**
   * Mean training loss of the last steps before it, and its validation loss where the run
   * evaluated at its step (at each evaluation and at a stop; not at a pause between them).
   */
  loss: number;
  valLoss?: number;
  createdAt: number;
  bytes: number;
  /** Where it came from: a training run, or an imported bundle. */
  source: 'training' | 'import';
  /** An import's weightsDigest: what tells the same bundle imported again. */
  weights?: string;
  /** Its loss on datasets' validation splits (evaluation.ts), the latest for each dataset. */
  evaluations?: CheckpointEvaluation[];
}

interface StudioDb extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: CheckpointSummary; indexes: { byRun: string } };
  checkpointBytes: { key: string; value: Uint8Array };
}

let db: Promise<IDBPDatabase<StudioDb>> | undefined;

function studioDb(): Promise<IDBPDatabase<StudioDb>> {
  db ??= openDB<StudioDb>('i3-studio', 1, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: 'id' });
      d.createObjectStore('checkpoints', { keyPath: 'id' }).createIndex('byRun', 'runId');
      d.createObjectStore('checkpointBytes');
    },
  });
  return db;
}

export class StorageFullError extends Error {
  constructor() {
    super(
      'The browser storage for this site is full, so the checkpoint was not saved. Training goes ' +
        'on: delete datasets, runs or checkpoints you no longer need, and the next checkpoint, a ' +
        'pause or the end of the run stores one.',
    );
    this.name = 'StorageFullError';
  }
}

/** A full store as StorageFullError, by the rule the dataset import uses (wrapped forms too). */
function rethrowQuota(e: unknown): never {
  if (isQuotaError(e)) throw new StorageFullError();
  throw e;
}

export async function putRun(run: RunRecord): Promise<void> {
  await (await studioDb()).put('runs', run).catch(rethrowQuota);
}

export async function getRun(id: string): Promise<RunRecord | undefined> {
  return (await studioDb()).get('runs', id);
}

export async function listRuns(): Promise<RunRecord[]> {
  return (await (await studioDb()).getAll('runs')).sort((a, b) => a.createdAt - b.createdAt);
}

/** Sets a stored run's note in one transaction (false: the run is gone). */
export async function setRunNote(id: string, note: string): Promise<boolean> {
  const tx = (await studioDb()).transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (run) await tx.store.put({ ...run, note: note || undefined }).catch(rethrowQuota);
  await tx.done;
  return run !== undefined;
}

/**
 * Renames a run: its record and its checkpoints' summaries, in one transaction. Returns whether
 * the run was there.
 */
export async function setRunName(id: string, name: string): Promise<boolean> {
  const tx = (await studioDb()).transaction(['runs', 'checkpoints'], 'readwrite');
  const runs = tx.objectStore('runs');
  const checkpoints = tx.objectStore('checkpoints');
  const run = await runs.get(id);
  if (run) {
    await runs.put({ ...run, name }).catch(rethrowQuota);
    for (const ck of await checkpoints.index('byRun').getAll(id)) {
      await checkpoints.put({ ...ck, runName: name }).catch(rethrowQuota);
    }
  }
  await tx.done;
  return run !== undefined;
}

/** Saves bytes and summary in one transaction: either both are stored or neither. */
export async function putCheckpoint(summary: CheckpointSummary, bytes: Uint8Array): Promise<void> {
  const d = await studioDb();
  const tx = d.transaction(['checkpoints', 'checkpointBytes'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('checkpointBytes').put(bytes, summary.id),
      tx.objectStore('checkpoints').put(summary),
      tx.done,
    ]);
  } catch (e) {
    rethrowQuota(e);
  }
}

/**
 * Adds an evaluation to a stored checkpoint's summary, in place of an earlier one on the same
 * dataset; returns the summary as stored (undefined if the checkpoint is gone).
 */
export async function recordEvaluation(
  checkpointId: string,
  evaluation: CheckpointEvaluation,
): Promise<CheckpointSummary | undefined> {
  const d = await studioDb();
  const tx = d.transaction('checkpoints', 'readwrite');
  const summary = await tx.store.get(checkpointId);
  if (summary) {
    const others = (summary.evaluations ?? []).filter((e) => e.datasetId !== evaluation.datasetId);
    summary.evaluations = [...others, evaluation];
    await tx.store.put(summary).catch(rethrowQuota);
  }
  await tx.done;
  return summary;
}

export async function getCheckpointSummary(id: string): Promise<CheckpointSummary | undefined> {
  return (await studioDb()).get('checkpoints', id);
}

export async function listCheckpoints(): Promise<CheckpointSummary[]> {
  return (await (await studioDb()).getAll('checkpoints')).sort((a, b) => a.createdAt - b.createdAt);
}

export async function getCheckpointBytes(id: string): Promise<Uint8Array | undefined> {
  return (await studioDb()).get('checkpointBytes', id);
}

export async function deleteCheckpoint(id: string): Promise<void> {
  const d = await studioDb();
  const tx = d.transaction(['checkpoints', 'checkpointBytes'], 'readwrite');
  await Promise.all([
    tx.objectStore('checkpoints').delete(id),
    tx.objectStore('checkpointBytes').delete(id),
    tx.done,
  ]);
}

export async function deleteRun(id: string): Promise<void> {
  const d = await studioDb();
  for (const ck of await d.getAllFromIndex('checkpoints', 'byRun', id))
    await deleteCheckpoint(ck.id);
  await d.delete('runs', id);
}
