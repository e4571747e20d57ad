// How the Train pane draws its charts (smoothing, log scale, the x axis), kept over a reload, and
// the x range they are zoomed to (not kept: a reload shows whole runs).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { XAxisKind } from '../ui/charts/runSeries';
import { localStore } from './localStore';

interface ChartsState {
  smoothing: number;
  log: boolean;
  x: XAxisKind;
  /** The x range every chart shows, where one was dragged out (undefined: all of it). */
  zoom?: readonly [number, number];
  set: (patch: Partial<Pick<ChartsState, 'smoothing' | 'log' | 'x' | 'zoom'>>) => void;
}

export const useCharts = create<ChartsState>()(
  persist((set) => ({ smoothing: 0.6, log: false, x: 'step', set: (patch) => set(patch) }), {
    name: 'i3-studio-charts',
    version: 1,
    storage: localStore<Pick<ChartsState, 'smoothing' | 'log' | 'x'>>(),
    partialize: ({ smoothing, log, x }) => ({ smoothing, log, x }),
  }),
);
