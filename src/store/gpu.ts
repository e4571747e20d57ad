// GPU status as the UI shows it: what the GPU worker found and whether its self-test passed.
import { create } from 'zustand';
import type { AdapterReport, SelfTestReport, TrainEvent } from '../protocol';

export type GpuStatus = 'starting' | 'ready' | 'unavailable' | 'lost' | 'failed';

interface GpuState {
  status: GpuStatus;
  adapter?: AdapterReport;
  selfTest?: SelfTestReport;
  message?: string;
  /** Applies a train-worker event that concerns the device. */
  apply: (event: TrainEvent) => void;
}

export const useGpu = create<GpuState>((set) => ({
  status: 'starting',
  apply: (event) => {
    switch (event.type) {
      case 'ready':
        set({
          status: event.selfTest.ok ? 'ready' : 'failed',
          adapter: event.adapter,
          selfTest: event.selfTest,
          message: event.selfTest.ok
            ? undefined
            : `The GPU self-test gave wrong results (max error ${event.selfTest.maxError}). ` +
              'Update the graphics driver or try another browser.',
        });
        break;
      case 'gpu-unavailable':
        set({ status: 'unavailable', message: event.message });
        break;
      case 'device-lost':
        set({
          status: 'lost',
          message: `${event.message} Reload the page to get a new device; saved checkpoints are kept.`,
        });
        break;
      case 'error':
        // Before the device is up an error is the GPU's; later ones belong to a run (runs store).
        set((s) => (s.status === 'starting' ? { status: 'failed', message: event.message } : s));
        break;
    }
  },
}));
