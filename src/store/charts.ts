// How the Train pane draws its charts (smoothing, log scale, the x axis), kept over a reload.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { XAxisKind } from '../ui/charts/runSeries';
import { localStore } from './localStore';

interface ChartsState {
  smoothing: number;
  log: boolean;
  x: XAxisKind;
  set: (patch: Partial<Pick<ChartsState, 'smoothing' | 'log' | 'x'>>) => void;
}

export const useCharts = create<ChartsState>()(
  persist((set) => ({ smoothing: 0.6, log: false, x: 'step', set: (patch) => set(patch) }), {
    name: 'i3-studio-charts',
    version: 1,
    storage: localStore<Pick<ChartsState, 'smoothing' | 'log' | 'x'>>(),
    partialize: ({ smoothing, log, x }) => ({ smoothing, log, x }),
  }),
);
