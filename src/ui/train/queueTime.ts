// How long the queued runs will take, from the step time of runs of the same shape that trained
// already: the queue's list says when each one, and the whole queue, should be done.
import type { RunSpec } from '../../protocol';
import { activationsOf } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { median } from '../../util/median';

type Shaped = Pick<RunRecord, 'config' | 'settings'>;

/** Steps are as long in runs of one model and one step shape (the rate and the data aside). */
const shapeOf = ({ config, settings }: Shaped) =>
  JSON.stringify([
    config,
    settings.batchSize,
    settings.seqLen,
    settings.accumSteps,
    activationsOf(settings),
  ]);

/** Steps timed for the median: the last of the newest run of that shape. */
const TIMED_STEPS = 50;

/** The median step time (ms) of the newest run shaped like `run` that trained, if any. */
export function stepMsLike(run: Shaped, runs: readonly RunRecord[]): number | undefined {
  const shape = shapeOf(run);
  const like = runs.filter((r) => r.metrics.steps.length > 0 && shapeOf(r) === shape);
  const newest = like.reduce<RunRecord | undefined>(
    (a, r) => (a === undefined || r.createdAt > a.createdAt ? r : a),
    undefined,
  );
  return newest && median(newest.metrics.steps.slice(-TIMED_STEPS).map((m) => m.stepMs));
}

/** The median time (ms) of a run's last steps (NaN before its first). */
export const recentStepMs = (run: Pick<RunRecord, 'metrics'>): number =>
  median(run.metrics.steps.slice(-TIMED_STEPS).map((m) => m.stepMs));

/**
 * Seconds the run has left at its own recent step time (NaN before its first steps): the progress
 * line's ETA, and the start of the queue's.
 */
export function secondsLeft(run: Pick<RunRecord, 'settings' | 'metrics'>): number {
  const done = run.metrics.steps.at(-1)?.step ?? 0;
  return ((run.settings.schedule.totalSteps - done) * recentStepMs(run)) / 1000;
}

/** Seconds each queued run should take (undefined: no run of its shape has trained here yet). */
export function queuedSeconds(queued: readonly RunSpec[], runs: readonly RunRecord[]) {
  return queued.map((spec) => {
    const ms = stepMsLike(spec, runs);
    const steps = spec.settings.schedule.totalSteps - (spec.settings.schedule.startStep ?? 0);
    return ms === undefined ? undefined : (steps * ms) / 1000;
  });
}

/**
 * Seconds until the live run and every queued one are done, where each has a known step time
 * (undefined otherwise): the live run's steps left, then each queued run's.
 */
export function queueDoneIn(
  liveRunId: string | undefined,
  runs: readonly RunRecord[],
  queued: readonly (number | undefined)[],
): number | undefined {
  const live = runs.find((r) => r.id === liveRunId);
  const left = live ? secondsLeft(live) : 0;
  if (!Number.isFinite(left) || queued.some((s) => s === undefined)) return undefined;
  return left + queued.reduce<number>((a, s) => a + (s ?? 0), 0);
}
