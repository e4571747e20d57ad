// Checkpoint evaluations (the train worker's, src/train/evaluation.ts): the one in progress with
// its batches done, and the last failure. A finished evaluation is stored with its checkpoint's
// summary, which replaces the runs store's copy.

import { create } from 'zustand';
import type { TrainEvent } from '../protocol';
import { trainWorker } from '../workerClients';
import { useRuns } from './runs';

interface EvaluationJob {
  evalId: string;
  checkpointId: string;
  datasetId: string;
  done: number;
  total?: number;
}

interface EvaluationState {
  job?: EvaluationJob;
  /** Why the last evaluation of this checkpoint failed or stopped. */
  problem?: { checkpointId: string; message: string };
  evaluate: (checkpointId: string, datasetId: string) => void;
  cancel: () => void;
  apply: (event: TrainEvent) => void;
}

export const useEvaluation = create<EvaluationState>((set, get) => ({
  evaluate: (checkpointId, datasetId) => {
    if (get().job) return;
    const evalId = crypto.randomUUID();
    set({ job: { evalId, checkpointId, datasetId, done: 0 }, problem: undefined });
    trainWorker().post({ type: 'evaluate', evalId, checkpointId, datasetId });
  },
  cancel: () => {
    const job = get().job;
    if (job) trainWorker().post({ type: 'cancel-gpu-job', jobId: job.evalId });
  },
  apply: (event) => {
    const job = get().job;
    if (event.type !== 'evaluation' || event.evalId !== job?.evalId) return;
    if (event.progress) {
      set({ job: { ...job, ...event.progress } });
      return;
    }
    const { checkpoint, message } = event;
    if (checkpoint) {
      useRuns.setState((s) => ({
        checkpoints: s.checkpoints.map((c) => (c.id === checkpoint.id ? checkpoint : c)),
      }));
    }
    set({
      job: undefined,
      problem: message ? { checkpointId: job.checkpointId, message } : undefined,
    });
  },
}));
