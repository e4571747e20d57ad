// The sweeps among the stored runs, each as its runs' values and lowest validation losses: what
// the sweep chart draws.
import type { RunRecord } from '../../train/runStore';
import { SWEEP_AXES, type SweepAxis, type SweepValue } from '../../train/sweep';

export interface SweepPoint {
  runId: string;
  name: string;
  value: SweepValue;
  state: RunRecord['state'];
  /** The run's lowest validation loss so far (undefined: not evaluated yet). */
  valLoss?: number;
}

export interface Sweep {
  id: string;
  axis: SweepAxis;
  /** By value (a choice axis's in its order). */
  points: SweepPoint[];
  /** The point of the lowest validation loss, where any was evaluated. */
  best?: SweepPoint;
}

/** Where a value sits on its axis: a number, or a choice's place in the axis's list. */
const rank = (axis: SweepAxis, v: SweepValue) =>
  typeof v === 'number' ? v : (SWEEP_AXES[axis].choices?.indexOf(v) ?? 0);

/** Every sweep of `runs`, the one with the newest run first. */
export function sweepsOf(runs: readonly RunRecord[]): Sweep[] {
  const sweeps = new Map<string, Sweep>();
  for (const r of [...runs].sort((a, b) => b.createdAt - a.createdAt)) {
    if (!r.sweep) continue;
    const sweep = sweeps.get(r.sweep.id) ?? { id: r.sweep.id, axis: r.sweep.axis, points: [] };
    const losses = r.metrics.evals.map((e) => e.valLoss).filter(Number.isFinite);
    sweep.points.push({
      runId: r.id,
      name: r.name,
      value: r.sweep.value,
      state: r.state,
      valLoss: losses.length ? Math.min(...losses) : undefined,
    });
    sweeps.set(r.sweep.id, sweep);
  }
  return [...sweeps.values()].map((s) => {
    const points = s.points.sort((a, b) => rank(s.axis, a.value) - rank(s.axis, b.value));
    const evaluated = points.filter((p) => p.valLoss !== undefined);
    const best = evaluated.reduce<SweepPoint | undefined>(
      (b, p) => (b === undefined || p.valLoss! < b.valLoss! ? p : b),
      undefined,
    );
    return { ...s, points, best };
  });
}
