// Early stopping: a run may end once its validation loss has not improved for a number of
// evaluations in a row (its patience), rather than train on past its best. Improvement is a drop
// of more than MIN_IMPROVEMENT below the best so far: the evaluation reads the same validation
// batches every time, so smaller changes are the weights drifting, not the model getting better.
import type { EvalMetrics } from './metrics';

/** Nats of validation loss an evaluation must gain on the best to count as better. */
export const MIN_IMPROVEMENT = 1e-3;

/** The index of the best evaluation: the first that no later one improves on. */
function bestIndex(evals: EvalMetrics[]): number {
  let best = -1;
  evals.forEach((e, i) => {
    if (best < 0 || e.valLoss < evals[best].valLoss - MIN_IMPROVEMENT) best = i;
  });
  return best;
}

/**
 * Why the run ends after these evaluations, or undefined. It ends once `patience` evaluations
 * since the best (patience 0 or absent: never) are among those from index `from` on: a run
 * resumed or trained further gets its patience again, measured against the best of its history.
 */
export function earlyStopReason(evals: EvalMetrics[], patience = 0, from = 0): string | undefined {
  const b = bestIndex(evals);
  const since = evals.length - Math.max(b + 1, from);
  if (patience < 1 || b < 0 || since < patience) return undefined;
  const best = evals[b];
  const n = evals.length - 1 - b;
  return (
    `Stopped early at step ${evals.at(-1)!.step}: the validation loss has not improved for ${n} ` +
    `evaluation${n === 1 ? '' : 's'} (best ${best.valLoss.toFixed(3)} at step ${best.step}). ` +
    'The checkpoints of that step, where one was saved, hold the best weights.'
  );
}
