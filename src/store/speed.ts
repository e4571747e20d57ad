// The measured training speed of the next run's setup on this GPU (the train worker's probe), so
// that the Model pane can say how long the run will take. A figure belongs to the setup it was
// measured with: any change to the model or the batch makes it stale.
import { create } from 'zustand';
import type { I3Config } from '../model/config';
import type { TrainEvent } from '../protocol';
import type { TrainSettings } from '../train/checkpoint';
import { activationsOf } from '../train/defaults';
import type { SpeedEstimate } from '../train/speedProbe';
import { trainWorker } from '../workerClients';

/** What a step's time depends on: the model and the batch, not the schedule or the seed. */
export function speedKey(config: I3Config, s: TrainSettings): string {
  return JSON.stringify([config, s.batchSize, s.seqLen, s.accumSteps, activationsOf(s)]);
}

interface SpeedState {
  /** The setup being measured or measured last (speedKey). */
  key?: string;
  probeId?: string;
  measuring: boolean;
  estimate?: SpeedEstimate;
  message?: string;
  measure: (config: I3Config, settings: TrainSettings) => void;
  apply: (event: TrainEvent) => void;
}

export const useSpeed = create<SpeedState>((set, get) => ({
  measuring: false,
  measure: (config, settings) => {
    const probeId = crypto.randomUUID();
    set({
      key: speedKey(config, settings),
      probeId,
      measuring: true,
      estimate: undefined,
      message: undefined,
    });
    trainWorker().post({ type: 'probe', probeId, config, settings });
  },
  apply: (event) => {
    if (event.type !== 'probe' || event.probeId !== get().probeId) return;
    set({ measuring: false, estimate: event.estimate, message: event.message });
  },
}));
