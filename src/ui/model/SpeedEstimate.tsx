// The Model pane's answer to "how long will this run take here": a button that times a few steps
// of the next run's setup on this GPU (the train worker's speed probe), and the run's duration
// from that figure while the setup stays the same, with a bar of where a step's time goes and the
// run planned to a time budget.
import { speedKey, useSpeed } from '../../store/speed';
import { runMs } from '../../train/budget';
import { ShareBar } from '../charts/ShareBar';
import { compact, count, duration, stepTime } from '../common/format';
import { useGpuBusy } from '../common/gpuBusy';
import { useNextConfig, useNextSettings, useSetupProblem } from '../common/nextRun';
import { TimeBudget } from './TimeBudget';

export function SpeedEstimate() {
  const settings = useNextSettings();
  const effective = useNextConfig();
  const setupProblem = useSetupProblem();
  const { key, measuring, estimate, message, measure } = useSpeed();
  const current = key === speedKey(effective, settings);
  const blocker =
    useGpuBusy('A run is training: its own figures are in the Train pane.') ?? setupProblem;
  const total = settings.schedule.totalSteps;
  return (
    <div className="speed" data-testid="speed-estimate">
      <button
        type="button"
        disabled={measuring || Boolean(blocker)}
        title={blocker}
        onClick={() => measure(effective, settings)}
        data-testid="measure-speed"
      >
        {measuring ? 'Timing steps…' : 'Measure the speed on this GPU'}
      </button>{' '}
      {current && estimate && (
        <span data-testid="speed-result">
          {stepTime(estimate.stepMs)} a step, {compact(estimate.tokensPerSec)} tokens/s:{' '}
          {count(total)} steps take about {duration(runMs(total, estimate, settings) / 1000)} with
          their evaluations, checkpoints and samples aside.
        </span>
      )}
      {current && estimate && estimate.breakdown.length > 0 && (
        <div className="step-breakdown">
          <p className="small muted">
            Where a step's GPU time goes
            {estimate.profiledBy === 'wall-clock'
              ? ' (each launch timed alone on the wall clock, as this GPU has no timestamps: read the shares, not the sum)'
              : ''}
            :
          </p>
          <ShareBar
            parts={estimate.breakdown.map((b) => ({ name: b.part, value: b.ms }))}
            format={stepTime}
            testId="step-breakdown"
            partTestId="step-part"
          />
        </div>
      )}
      {current && estimate && <TimeBudget estimate={estimate} />}
      {!current && estimate && !measuring && (
        <span className="muted small">The setup changed since the last measurement.</span>
      )}
      {current && message && (
        <span className="banner error" role="alert" data-testid="speed-error">
          {message}
        </span>
      )}
    </div>
  );
}
