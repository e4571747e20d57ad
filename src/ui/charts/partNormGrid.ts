// The gradient norm of each part of the model over a run, as a grid for a heatmap: a column per
// step that kept its part norms (metrics.ts, partNormsKept), a row per part, and the colour scale's
// ends. Colours go by log10 of the norm: parts differ by orders of magnitude.
import type { StepMetrics } from '../../train/metrics';

export interface PartNormGrid {
  /** The step of each column. */
  steps: number[];
  /** norms[part][column]. */
  norms: number[][];
  /** log10 of the smallest and largest positive norm (equal when there is one value). */
  lo: number;
  hi: number;
}

/**
 * The grid of the steps with part norms (at most maxColumns of them, picked evenly, the last
 * always in), for `parts` parts; undefined where no step has them (runs before they were kept).
 */
export function partNormGrid(
  steps: readonly StepMetrics[],
  parts: number,
  maxColumns: number,
): PartNormGrid | undefined {
  const kept = steps.filter((m) => m.partGradNorms?.length === parts);
  if (kept.length === 0) return undefined;
  const stride = kept.length / Math.min(kept.length, maxColumns);
  const columns = Array.from(
    { length: Math.min(kept.length, maxColumns) },
    (_, i) => kept[Math.min(kept.length - 1, Math.round((i + 1) * stride) - 1)],
  );
  const norms = Array.from({ length: parts }, (_, g) =>
    columns.map((m) => (m.partGradNorms as number[])[g]),
  );
  const logs = norms
    .flat()
    .filter((x) => x > 0 && Number.isFinite(x))
    .map(Math.log10);
  const lo = logs.length ? Math.min(...logs) : 0;
  const hi = logs.length ? Math.max(...logs) : 0;
  return { steps: columns.map((m) => m.step), norms, lo, hi };
}

/** Where a norm sits on the grid's colour scale, 0 (lo) to 1 (hi); 0 for zero or non-finite. */
export function colourPosition(grid: PartNormGrid, norm: number): number {
  if (!(norm > 0) || !Number.isFinite(norm) || grid.hi === grid.lo) return norm > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, (Math.log10(norm) - grid.lo) / (grid.hi - grid.lo)));
}
