// How the Train pane draws its charts (smoothing, log scale, the x axis) and orders its run list,
// kept over a reload, and the x range the charts are zoomed to (not kept: a reload shows whole
// runs).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { XAxisKind } from '../ui/charts/runSeries';
import type { RunOrder } from '../ui/train/runOrder';
import { localStore } from './localStore';

interface ChartsState {
  smoothing: number;
  log: boolean;
  x: XAxisKind;
  /** The x range every chart shows, where one was dragged out (undefined: all of it). */
  zoom?: readonly [number, number];
  /** The run list's order (undefined: as the runs were made). */
  runOrder?: RunOrder;
  set: (patch: Partial<Pick<ChartsState, 'smoothing' | 'log' | 'x' | 'zoom' | 'runOrder'>>) => void;
}

export const useCharts = create<ChartsState>()(
  persist((set) => ({ smoothing: 0.6, log: false, x: 'step', set: (patch) => set(patch) }), {
    name: 'i3-studio-charts',
    version: 1,
    storage: localStore<Pick<ChartsState, 'smoothing' | 'log' | 'x' | 'runOrder'>>(),
    partialize: ({ smoothing, log, x, runOrder }) => ({ smoothing, log, x, runOrder }),
  }),
);
