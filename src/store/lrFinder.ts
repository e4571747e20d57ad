// The learning-rate range test of the next run (the train worker's sweep, src/train/lrFinder.ts):
// its points as they come, its suggestion, and the setup it was made for. A sweep belongs to the
// model (or the checkpoint it starts from), the dataset (and any mixed in) and the settings that
// shape a step, not to the schedule (whose peak rate it picks), evaluations or checkpoints.
import { create } from 'zustand';
import type { I3Config } from '../model/config';
import type { TrainEvent } from '../protocol';
import type { TrainSettings } from '../train/checkpoint';
import type { LrPoint, LrSweepResult } from '../train/lrFinder';
import { trainWorker } from '../workerClients';

/** What a sweep's curve depends on: with a checkpoint, its weights too. */
export function sweepKey(
  config: I3Config,
  s: TrainSettings,
  datasetId: string,
  checkpointId?: string,
): string {
  return JSON.stringify([
    config,
    datasetId,
    checkpointId ?? null,
    s.batchSize,
    s.seqLen,
    s.accumSteps,
    s.weightDecay,
    s.beta1,
    s.beta2,
    s.eps,
    s.clipNorm,
    s.seed,
    s.mixIn ?? [],
  ]);
}

interface LrFinderState {
  /** The setup swept or being swept (sweepKey). */
  key?: string;
  sweepId?: string;
  running: boolean;
  points: LrPoint[];
  /** The sweep's length, from its first point. */
  steps?: number;
  result?: LrSweepResult;
  message?: string;
  /** The checkpoint the Model pane sweeps for (trained further), or none: the next run. */
  fromId?: string;
  setFrom: (checkpointId: string | undefined) => void;
  /** Sweeps the run these would make: from the checkpoint it would train further, if any. */
  find: (
    config: I3Config,
    settings: TrainSettings,
    datasetId: string,
    checkpointId?: string,
  ) => void;
  cancel: () => void;
  apply: (event: TrainEvent) => void;
}

export const useLrFinder = create<LrFinderState>((set, get) => ({
  running: false,
  points: [],
  setFrom: (fromId) => set({ fromId }),
  find: (config, settings, datasetId, checkpointId) => {
    const sweepId = crypto.randomUUID();
    set({
      key: sweepKey(config, settings, datasetId, checkpointId),
      sweepId,
      running: true,
      points: [],
      steps: undefined,
      result: undefined,
      message: undefined,
    });
    trainWorker().post({ type: 'find-lr', sweepId, config, settings, datasetId, checkpointId });
  },
  cancel: () => {
    const { sweepId, running } = get();
    if (sweepId && running) trainWorker().post({ type: 'cancel-gpu-job', jobId: sweepId });
  },
  apply: (event) => {
    if (event.type === 'lr-point' && event.sweepId === get().sweepId) {
      set((s) => ({ points: [...s.points, event.point], steps: event.steps }));
    } else if (event.type === 'lr-found' && event.sweepId === get().sweepId) {
      set({
        running: false,
        result: event.result,
        message: event.message,
        points: event.result?.points ?? get().points,
      });
    }
  },
}));
