// Which checkpoints are worth their space when storage runs short. Of each run: its latest, the one
// a resume continues from, and its best, the one with the lowest validation loss (the one worth
// exporting). Imported checkpoints have no run to stand in for them: all are kept.
import type { CheckpointSummary } from './runStore';

/** Per run, the checkpoint with the lowest validation loss (runs without one have none). */
export function bestCheckpointIds(checkpoints: CheckpointSummary[]): Set<string> {
  const best = new Map<string, CheckpointSummary>();
  for (const ck of checkpoints) {
    if (ck.source !== 'training' || ck.valLoss === undefined) continue;
    const b = best.get(ck.runId);
    if (!b || ck.valLoss < b.valLoss!) best.set(ck.runId, ck);
  }
  return new Set([...best.values()].map((ck) => ck.id));
}

/** Per run, its latest checkpoint: the highest step, then the newest. */
function latestIds(checkpoints: CheckpointSummary[]): Set<string> {
  const latest = new Map<string, CheckpointSummary>();
  for (const ck of checkpoints) {
    const l = latest.get(ck.runId);
    if (!l || ck.step > l.step || (ck.step === l.step && ck.createdAt > l.createdAt)) {
      latest.set(ck.runId, ck);
    }
  }
  return new Set([...latest.values()].map((ck) => ck.id));
}

/** The checkpoints that are neither their run's latest nor its best, nor imported. */
export function prunableCheckpoints(checkpoints: CheckpointSummary[]): CheckpointSummary[] {
  const keep = new Set([...latestIds(checkpoints), ...bestCheckpointIds(checkpoints)]);
  return checkpoints.filter((ck) => ck.source === 'training' && !keep.has(ck.id));
}
