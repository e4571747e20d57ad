// Training runs as the UI sees them: every run stored in IndexedDB with its metrics history,
// the live one's state, and the checkpoints. The train worker writes the database; this store
// mirrors its events so charts update without reading the database again.
import { useMemo } from 'react';
import { create } from 'zustand';
import type { RunSpec, TrainEvent } from '../protocol';
import { lockedRuns, RUN_TRAINING_ELSEWHERE, whenUnlocked } from '../train/runLock';
import {
  type CheckpointSummary,
  deleteCheckpoint,
  deleteRun,
  listCheckpoints,
  listRuns,
  type RunRecord,
} from '../train/runStore';
import { type LrSchedule, type Reschedule, scheduleFrom } from '../train/schedule';
import type { TrainerActivity } from '../train/trainer';
import { trainWorker } from '../workerClients';

export interface LiveInfo {
  parameters: number;
  gpuBytes: number;
}

interface RunsState {
  runs: RunRecord[];
  checkpoints: CheckpointSummary[];
  /** The run the worker is training (running or paused), if any. */
  liveRunId?: string;
  liveInfo?: LiveInfo;
  /** The live run's step when it started (0, or the checkpoint it resumed from). */
  liveFrom?: number;
  /** The run that ended last while this page was open (the tab's title says how it ended). */
  endedRunId?: string;
  /** What the live run does between steps, where it takes a while. */
  liveActivity?: TrainerActivity;
  /** A pause or stop asked of the live run, which lands once the step in progress ends. */
  requested?: 'pause' | 'stop';
  /** Runs that another tab of the studio is training (their records here are as stored). */
  elsewhere: string[];
  /** Runs drawn on the charts. */
  compare: string[];
  loaded: boolean;
  /** The last problem the worker reported outside a run's state (e.g. a full storage). */
  notice?: string;
  dismissNotice: () => void;
  load: () => Promise<void>;
  start: (spec: RunSpec) => void;
  pause: () => void;
  resume: () => void;
  stop: () => void;
  /** Changes the live run's schedule where it holds its rate (a cool-down now, more steps). */
  reschedule: (to: Reschedule) => void;
  /** Sets a run's note ('' removes it), stored by the train worker. */
  setNote: (runId: string, note: string) => void;
  /** Renames a run, and its checkpoints with it. */
  rename: (runId: string, name: string) => void;
  toggleCompare: (runId: string) => void;
  removeCheckpoint: (id: string) => Promise<void>;
  removeRun: (id: string) => Promise<void>;
  apply: (event: TrainEvent) => void;
}

/** The spec that continues a run from one of its checkpoints, on its own dataset and settings. */
export const resumeSpec = (run: RunRecord, checkpointId: string): RunSpec => ({
  runId: run.id,
  name: run.name,
  config: run.config,
  settings: run.settings,
  datasetId: run.datasetId,
  resumeFrom: checkpointId,
});

/**
 * The spec of a new run that trains a checkpoint `moreSteps` beyond its step: one at the end of
 * its run's schedule, or one with no run (imported). Its schedule runs to the checkpoint's step
 * plus `moreSteps`: its run's, so that the learning rate climbs back along the cosine from where
 * that puts it, or with `fresh`, that schedule started afresh at the checkpoint's step (a warm-up
 * and a whole cosine: fine-tuning on new data).
 */
export const continuationSpec = (
  ck: { id: string; runName: string; step: number },
  base: Pick<RunSpec, 'config' | 'settings' | 'datasetId'>,
  moreSteps: number,
  fresh?: LrSchedule,
): RunSpec => ({
  runId: crypto.randomUUID(),
  name: `${ck.runName} (continued)`,
  config: base.config,
  settings: {
    ...base.settings,
    schedule: fresh
      ? scheduleFrom(fresh, ck.step, moreSteps)
      : { ...base.settings.schedule, totalSteps: ck.step + moreSteps },
    // Its run's mixture goes on, but for the dataset it now trains on, if that was mixed in.
    mixIn: (base.settings.mixIn ?? []).filter((m) => m.datasetId !== base.datasetId),
  },
  datasetId: base.datasetId,
  resumeFrom: ck.id,
});

function updateRun(runs: RunRecord[], id: string, f: (r: RunRecord) => RunRecord): RunRecord[] {
  return runs.map((r) => (r.id === id ? f(r) : r));
}

/** Runs live in another tab whose end this tab waits for (to read them again then). */
const waiting = new Set<string>();

export const useRuns = create<RunsState>((set, get) => ({
  runs: [],
  checkpoints: [],
  elsewhere: [],
  compare: [],
  loaded: false,
  dismissNotice: () => set({ notice: undefined }),
  load: async () => {
    const [runs, checkpoints, locked] = await Promise.all([
      listRuns(),
      listCheckpoints(),
      lockedRuns(),
    ]);
    // A run still marked running or paused was cut off with its page, unless another tab of the
    // studio is training it: that one is read again when it ends there.
    const live = get().liveRunId;
    const elsewhere = runs.filter((r) => r.id !== live && locked.has(r.id)).map((r) => r.id);
    for (const id of elsewhere) {
      if (waiting.has(id)) continue;
      waiting.add(id);
      void whenUnlocked(id).then(() => {
        waiting.delete(id);
        return get().load();
      });
    }
    const fixed = runs.map((r) =>
      r.id !== live && !elsewhere.includes(r.id) && (r.state === 'running' || r.state === 'paused')
        ? { ...r, state: 'stopped' as const, message: 'Interrupted when the page closed.' }
        : r,
    );
    set({
      runs: fixed,
      checkpoints,
      elsewhere,
      loaded: true,
      compare: get().compare.length ? get().compare : fixed.slice(-1).map((r) => r.id),
    });
  },
  start: (spec) => {
    const now = Date.now();
    const existing = get().runs.find((r) => r.id === spec.runId);
    const record: RunRecord = existing ?? {
      id: spec.runId,
      name: spec.name,
      config: spec.config,
      settings: spec.settings,
      datasetId: spec.datasetId,
      createdAt: now,
      state: 'running',
      metrics: { steps: [], evals: [] },
      sweep: spec.sweep,
    };
    // Resuming from a checkpoint continues the curve from that step: later metrics are replaced.
    const from = get().checkpoints.find((c) => c.id === spec.resumeFrom)?.step ?? Infinity;
    const trim = (r: RunRecord): RunRecord => ({
      ...r,
      state: 'running',
      message: undefined,
      metrics: {
        steps: r.metrics.steps.filter((m) => m.step <= from),
        evals: r.metrics.evals.filter((m) => m.step <= from),
      },
    });
    set((s) => ({
      runs: existing ? updateRun(s.runs, spec.runId, trim) : [...s.runs, record],
      liveRunId: spec.runId,
      liveInfo: undefined,
      liveActivity: undefined,
      liveFrom: Number.isFinite(from) ? from : 0,
      requested: undefined,
      compare: s.compare.includes(spec.runId) ? s.compare : [...s.compare, spec.runId],
    }));
    trainWorker().post({ type: 'start', run: spec });
  },
  pause: () => {
    set({ requested: 'pause' });
    trainWorker().post({ type: 'pause' });
  },
  resume: () => {
    set({ requested: undefined });
    trainWorker().post({ type: 'resume' });
  },
  stop: () => {
    set({ requested: 'stop' });
    trainWorker().post({ type: 'stop' });
  },
  reschedule: (to) => trainWorker().post({ type: 'reschedule', to }),
  setNote: (runId, note) => {
    const trimmed = note.trim();
    set((s) => ({
      runs: updateRun(s.runs, runId, (r) => ({ ...r, note: trimmed || undefined })),
    }));
    trainWorker().post({ type: 'note', runId, note: trimmed });
  },
  rename: (runId, name) => {
    const trimmed = name.trim();
    if (!trimmed) return;
    set((s) => ({
      runs: updateRun(s.runs, runId, (r) => ({ ...r, name: trimmed })),
      checkpoints: s.checkpoints.map((c) => (c.runId === runId ? { ...c, runName: trimmed } : c)),
    }));
    trainWorker().post({ type: 'rename', runId, name: trimmed });
  },
  toggleCompare: (runId) =>
    set((s) => ({
      compare: s.compare.includes(runId)
        ? s.compare.filter((id) => id !== runId)
        : [...s.compare, runId],
    })),
  removeCheckpoint: async (id) => {
    await deleteCheckpoint(id);
    set((s) => ({ checkpoints: s.checkpoints.filter((c) => c.id !== id) }));
  },
  removeRun: async (id) => {
    try {
      await deleteRun(id);
    } catch (e) {
      set({ notice: `The run could not be deleted (${(e as Error).message}).` });
      return;
    }
    set((s) => ({
      runs: s.runs.filter((r) => r.id !== id),
      checkpoints: s.checkpoints.filter((c) => c.runId !== id),
      compare: s.compare.filter((c) => c !== id),
    }));
  },
  apply: (event) => {
    switch (event.type) {
      case 'run-info':
        set({ liveInfo: event });
        break;
      case 'run-state': {
        const done = event.state !== 'running' && event.state !== 'paused';
        set((s) => ({
          runs: updateRun(s.runs, event.runId, (r) => ({
            ...r,
            state: event.state,
            message: event.message,
          })),
          liveRunId: done ? undefined : event.runId,
          endedRunId: done ? event.runId : s.endedRunId,
          liveActivity: done ? undefined : s.liveActivity,
          // A run that ended, or paused as asked, has nothing pending; a stop asked while it
          // pauses is still to come.
          requested:
            done || (event.state === 'paused' && s.requested === 'pause') ? undefined : s.requested,
        }));
        break;
      }
      case 'run-schedule':
        set((s) => ({
          runs: updateRun(s.runs, event.runId, (r) => ({
            ...r,
            settings: { ...r.settings, schedule: event.schedule },
          })),
        }));
        break;
      case 'steps':
        set((s) => ({
          runs: updateRun(s.runs, event.runId, (r) => ({
            ...r,
            metrics: { ...r.metrics, steps: [...r.metrics.steps, ...event.steps] },
          })),
        }));
        break;
      case 'eval':
        set((s) => ({
          runs: updateRun(s.runs, event.runId, (r) => ({
            ...r,
            metrics: { ...r.metrics, evals: [...r.metrics.evals, event.eval] },
          })),
        }));
        break;
      case 'activity':
        set({ liveActivity: event.activity });
        break;
      case 'error':
        set({ notice: event.message });
        break;
      case 'run-elsewhere':
        set({ liveRunId: undefined, notice: RUN_TRAINING_ELSEWHERE });
        void get().load();
        break;
      case 'checkpoint':
        set((s) => ({
          checkpoints: [...s.checkpoints, event.checkpoint],
          runs: updateRun(s.runs, event.runId, (r) => ({
            ...r,
            lastCheckpointId: event.checkpoint.id,
          })),
        }));
        break;
    }
  },
}));

/** The stored checkpoints, newest first: the order every pane lists them in. */
export function useNewestCheckpoints(): CheckpointSummary[] {
  const checkpoints = useRuns((s) => s.checkpoints);
  return useMemo(() => [...checkpoints].sort((a, b) => b.createdAt - a.createdAt), [checkpoints]);
}
