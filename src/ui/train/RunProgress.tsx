// The live run's progress line: what the trainer is doing, steps, tokens, epochs and time left.

import { useRuns } from '../../store/runs';
import type { RunRecord } from '../../train/runStore';
import type { TrainerActivity } from '../../train/trainer';
import { median } from '../../util/median';
import { bytes, compact, count, duration, epochs } from '../common/format';
import { secondsLeft } from './queueTime';

const ACTIVITY_LABELS: Record<TrainerActivity, string> = {
  evaluating: 'Evaluating on the validation set',
  sampling: 'Writing a sample',
  checkpointing: 'Saving a checkpoint',
};

/** What the live run is doing when its step count alone would not say ('' when it would). */
function runPhase(
  requested: 'pause' | 'stop' | undefined,
  activity: TrainerActivity | undefined,
  state: RunRecord['state'],
  prepared: boolean,
  stepped: boolean,
): string {
  if (requested === 'stop') return 'Stopping after the step in progress';
  if (requested === 'pause') return 'Pausing after the step in progress';
  if (activity) return ACTIVITY_LABELS[activity];
  if (state === 'paused') return 'Paused';
  if (stepped) return '';
  return prepared ? 'Running the first step' : 'Preparing the model on the GPU';
}

export function Progress({ run }: { run: RunRecord }) {
  const info = useRuns((s) => s.liveInfo);
  const requested = useRuns((s) => s.requested);
  const activity = useRuns((s) => s.liveActivity);
  const from = useRuns((s) => s.liveFrom ?? 0);
  const steps = run.metrics.steps;
  const last = steps.at(-1);
  const total = run.settings.schedule.totalSteps;
  const done = last?.step ?? 0;
  const rate = median(steps.slice(-20).map((m) => m.tokensPerSec));
  const phase = runPhase(requested, activity, run.state, Boolean(info), done > from);
  return (
    <div data-testid="run-progress" data-step={done} data-state={run.state}>
      <progress className="bar" value={done} max={total} aria-label="training progress" />
      <p className="muted">
        {phase && `${phase} · `}step {count(done)} / {count(total)} · {compact(last?.tokens ?? 0)}{' '}
        tokens · {Number.isFinite(rate) ? compact(rate) : '—'} tokens/s · ETA{' '}
        {duration(secondsLeft(run))}
        {last?.epochs !== undefined && ` · ${epochs(last.epochs)} of its data`}
        {last && ` · loss ${last.loss.toFixed(3)}`}
        {info && ` · ${compact(info.parameters)} parameters, ${bytes(info.gpuBytes)} on the GPU`}
      </p>
    </div>
  );
}
