// Where a training step's GPU time goes: the profiled launches of a step (src/gpu/profiler.ts)
// summed by what they compute, named as the Model pane's block diagram names the model's steps.
import type { LabelTiming } from '../gpu/profiler';

/** The parts a step's time is told in, in the order they are listed and drawn. */
export const STEP_PARTS = [
  'projections (matmul)',
  'selective scan',
  'attention',
  'causal conv',
  'norms',
  'elementwise',
  'embedding',
  'loss',
  'optimizer',
  'other',
] as const;

export type StepPart = (typeof STEP_PARTS)[number];

/**
 * A launch's part, by its WGSL file's name; column_sum, the second pass of several ops'
 * reductions over rows, goes with the op its launch label names first.
 */
export function stepPartOf(shader: string, label = shader): StepPart {
  const name = shader === 'column_sum' ? label.split(/[.\s]/)[0] : shader;
  const by: [RegExp, StepPart][] = [
    [/^matmul/, 'projections (matmul)'],
    [/^(selective_scan|lane_sum)/, 'selective scan'],
    [/^attention/, 'attention'],
    [/^conv1d/, 'causal conv'],
    [/^rmsnorm/, 'norms'],
    [/^(gate|silu|softplus|sigmoid)/, 'elementwise'],
    [/^embedding/, 'embedding'],
    [/^(cross_entropy|loss_reduce)/, 'loss'],
    [/^(adamw|grad_norm)/, 'optimizer'],
  ];
  return by.find(([re]) => re.test(name))?.[1] ?? 'other';
}

export interface StepPartTime {
  part: StepPart;
  /** Milliseconds a step spends in this part's launches. */
  ms: number;
}

/** The launches of `steps` profiled steps, as each part's time a step (parts with none left out). */
export function stepBreakdown(timings: readonly LabelTiming[], steps: number): StepPartTime[] {
  const ms = new Map<StepPart, number>();
  for (const t of timings) {
    const part = stepPartOf(t.shader, t.label);
    ms.set(part, (ms.get(part) ?? 0) + t.totalMs / steps);
  }
  return STEP_PARTS.flatMap((part) => (ms.has(part) ? [{ part, ms: ms.get(part)! }] : []));
}
