// Runs waiting to train, one after another: the next starts when the live run ends. The Train
// pane queues the next run's setup, or a sweep of one of its settings. Kept in localStorage, so a
// reload finds the queue (held: the run it waited on was cut off with the page).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { RunSpec } from '../protocol';
import type { RunRecord } from '../train/runStore';
import { useDatasets } from './datasets';
import { localStore } from './localStore';
import { useRuns } from './runs';

interface QueueState {
  queued: RunSpec[];
  /** Why the queue does not start its next run when the live one ends, if it does not. */
  held?: string;
  /** What the queue did that the user did not ask for (runs it dropped). */
  notice?: string;
  /** Queues runs; the first starts now where nothing trains and the queue is not held. */
  enqueue: (runs: RunSpec[]) => void;
  remove: (runId: string) => void;
  /** Moves a queued run one place earlier (it starts before the one it passes). */
  moveUp: (runId: string) => void;
  /** Takes the runs that read a dataset off the queue (it is being deleted). */
  dropReaders: (datasetId: string) => void;
  clear: () => void;
  /** Starts the first queued run whose dataset is still stored, and lets the queue go on. */
  startNext: () => void;
}

/**
 * What the queue does when the live run `run` ends: start its next run after one that finished
 * or was stopped (a stop ends that run, not the queue), else wait, saying why. After a failure
 * it waits, since what failed the run (a lost GPU, a full storage) would likely fail the next.
 */
export function afterRunEnds(run: Pick<RunRecord, 'name' | 'state'>): 'next' | { held: string } {
  if (run.state === 'finished' || run.state === 'stopped') return 'next';
  const why = run.state === 'failed' ? 'failed' : 'did not train here';
  return { held: `The queue waits: ${run.name} ${why}. Start the next run when ready.` };
}

/** The datasets a run reads: its own and those it mixes in. */
export const datasetsOf = (run: Pick<RunSpec, 'datasetId' | 'settings'>): string[] => [
  run.datasetId,
  ...(run.settings.mixIn ?? []).map((m) => m.datasetId),
];

/** Whether every dataset the run reads is stored. */
const allStored = (run: RunSpec, stored: ReadonlySet<string>) =>
  datasetsOf(run).every((id) => stored.has(id));

/** Held after a reload: the queue does not start a run the user did not see coming. */
const RELOADED = 'The queue waits: the page was reloaded. Start the next run when ready.';

export const useQueue = create<QueueState>()(
  persist(
    (set, get) => ({
      queued: [],
      enqueue: (runs) => {
        set((s) => ({ queued: [...s.queued, ...runs] }));
        if (!useRuns.getState().liveRunId && get().held === undefined) get().startNext();
      },
      remove: (runId) =>
        set((s) => {
          const queued = s.queued.filter((r) => r.runId !== runId);
          // An empty queue waits for nothing: the next one queued starts as the first did.
          return { queued, held: queued.length ? s.held : undefined };
        }),
      moveUp: (runId) =>
        set((s) => {
          const i = s.queued.findIndex((r) => r.runId === runId);
          if (i < 1) return s;
          const queued = [...s.queued];
          [queued[i - 1], queued[i]] = [queued[i], queued[i - 1]];
          return { queued };
        }),
      dropReaders: (datasetId) => {
        for (const r of get().queued) if (datasetsOf(r).includes(datasetId)) get().remove(r.runId);
      },
      clear: () => set({ queued: [], held: undefined, notice: undefined }),
      startNext: () => {
        const stored = new Set(
          useDatasets
            .getState()
            .datasets.filter((d) => d.status === 'complete')
            .map((d) => d.id),
        );
        const queued = get().queued;
        const next = queued.find((r) => allStored(r, stored));
        const dropped = queued.slice(0, next ? queued.indexOf(next) : queued.length);
        const notice = dropped.length
          ? `Taken off the queue, a dataset they read no longer stored: ${dropped.map((r) => r.name).join(', ')}.`
          : undefined;
        set({
          queued: next ? queued.slice(queued.indexOf(next) + 1) : [],
          held: undefined,
          notice,
        });
        if (next) useRuns.getState().start(next);
      },
    }),
    {
      name: 'i3-studio-queue',
      version: 1,
      storage: localStore<Pick<QueueState, 'queued'>>(),
      partialize: ({ queued }) => ({ queued }),
      merge: (saved, current) => {
        const queued = (saved as Partial<QueueState> | undefined)?.queued ?? [];
        return { ...current, queued, held: queued.length ? RELOADED : undefined };
      },
    },
  ),
);

/**
 * Starts the queue's next run each time the live run ends, unless the queue is held. Returns the
 * unsubscribe (the studio shell follows the runs for as long as it is open).
 */
export function followRuns(): () => void {
  return useRuns.subscribe((s, prev) => {
    if (!prev.liveRunId || s.liveRunId) return;
    const queue = useQueue.getState();
    const ended = s.runs.find((r) => r.id === prev.liveRunId);
    if (!ended || queue.held !== undefined || queue.queued.length === 0) return;
    const then = afterRunEnds(ended);
    if (then === 'next') queue.startNext();
    else useQueue.setState(then);
  });
}
