// The Model pane's answer to "which peak learning rate": the train worker's range test on the
// selected dataset (src/train/lrFinder.ts), drawn as it runs, with its suggestion one click away
// from the schedule. For the next run, or for a checkpoint trained further on the selected dataset
// (fine-tuning, whose schedule is the Model pane's: furtherRun), from that checkpoint's weights.
import { useEffect } from 'react';
import type { RunSpec } from '../../protocol';
import { furtherRun, runOnItsData, useCheckpoints } from '../../store/checkpoints';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { sweepKey, useLrFinder } from '../../store/lrFinder';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import { LR_SWEEP_MAX, LR_SWEEP_MIN, LR_SWEEP_STEPS } from '../../train/lrFinder';
import type { CheckpointSummary } from '../../train/runStore';
import { LrSweepChart } from '../charts/LrSweepChart';
import { formatValue } from '../charts/ticks';
import { checkpointName, count, counted } from '../common/format';
import { useGpuBusy } from '../common/gpuBusy';
import {
  useDataTooShort,
  useNextConfig,
  useNextSettings,
  useSetupProblem,
} from '../common/nextRun';

/** A rate as the schedule field would take it: two significant digits. */
const rounded = (lr: number) => Number(lr.toPrecision(2));

/**
 * The checkpoints that would train further on the selected dataset as a new run on the Model
 * pane's schedule (fine-tuning), each with that run's spec; imported ones once read.
 */
function useFineTuneChoices(
  datasetId: string | undefined,
): { ck: CheckpointSummary; spec: RunSpec }[] {
  const checkpoints = useRuns((s) => s.checkpoints);
  const runs = useRuns((s) => s.runs);
  const stored = useDatasets();
  const details = useCheckpoints((s) => s.details);
  const inspect = useCheckpoints((s) => s.inspect);
  const paneSettings = useSetup((s) => s.settings);
  const runOf = (ck: CheckpointSummary) => runs.find((r) => r.id === ck.runId);
  // A checkpoint with no run on its run's data is known by its own header (furtherRun): read it.
  useEffect(() => {
    for (const ck of checkpoints) {
      if (
        !runOnItsData(
          runs.find((r) => r.id === ck.runId),
          stored,
        )
      )
        inspect(ck.id);
    }
  }, [checkpoints, runs, stored, inspect]);
  return checkpoints.flatMap((ck) => {
    const further = furtherRun(ck, runOf(ck), stored, details[ck.id], paneSettings);
    const fineTunes =
      further &&
      !further.resumes &&
      further.spec.datasetId === datasetId &&
      further.spec.settings.schedule.startStep !== undefined;
    return fineTunes ? [{ ck, spec: further.spec }] : [];
  });
}

export function LrFinder() {
  const nextSettings = useNextSettings();
  const setSchedule = useSetup((s) => s.setSchedule);
  const dataset = useDatasets(selectedDataset);
  const datasetId = dataset?.id;
  const nextConfig = useNextConfig();
  const setupProblem = useSetupProblem();
  const dataTooShort = useDataTooShort();
  const { key, running, points, steps, result, message, find, cancel, fromId, setFrom } =
    useLrFinder();
  const choices = useFineTuneChoices(datasetId);
  const from = choices.find((c) => c.ck.id === fromId);
  // The sweep's run: the checkpoint's further run, or the next run the panes describe.
  const config = from?.spec.config ?? nextConfig;
  const settings = from?.spec.settings ?? nextSettings;
  const current =
    datasetId !== undefined && key === sweepKey(config, settings, datasetId, from?.ck.id);
  const busy = useGpuBusy('A run is training: find the rate once it ends.');
  const blocker =
    busy ??
    (datasetId
      ? from
        ? undefined
        : (setupProblem ?? (dataTooShort && `${dataTooShort}.`))
      : 'Import a dataset first (Data pane): the sweep trains on it.');
  const last = points.at(-1);
  const suggestion = result && !result.cancelled ? result.suggestion : undefined;
  return (
    <div className="lr-finder" data-testid="lr-finder">
      <div className="lr-finder-actions">
        <button
          type="button"
          disabled={running || Boolean(blocker)}
          title={blocker}
          onClick={() => datasetId && find(config, settings, datasetId, from?.ck.id)}
          data-testid="find-lr"
        >
          Find a learning rate
        </button>
        {choices.length > 0 && (
          <label className="inline">
            for{' '}
            <select
              value={from?.ck.id ?? ''}
              disabled={running}
              onChange={(e) => setFrom(e.target.value || undefined)}
              data-testid="lr-from"
            >
              <option value="">the next run (new weights)</option>
              {choices.map(({ ck }) => (
                <option key={ck.id} value={ck.id}>
                  {checkpointName(ck)} trained further
                </option>
              ))}
            </select>
          </label>
        )}
        {running && (
          <>
            <progress
              max={steps ?? LR_SWEEP_STEPS}
              value={points.length}
              aria-label="learning-rate sweep"
            />
            <span className="small" data-testid="lr-progress">
              {last
                ? `Step ${count(points.length)} of ${count(steps ?? LR_SWEEP_STEPS)}: rate ${formatValue(last.lr)}, loss ${last.loss.toFixed(3)}`
                : 'Preparing the model…'}
            </span>
            <button type="button" onClick={cancel} data-testid="lr-cancel">
              Cancel
            </button>
          </>
        )}
        {!running && !result && !message && (
          <span className="muted small">
            Trains a throwaway copy of{' '}
            {from
              ? `${checkpointName(from.ck)} (its weights and optimizer state, with the settings training it further would have)`
              : 'this model'}{' '}
            on the selected dataset (and any mixed in, as the run would) for up to{' '}
            {count(LR_SWEEP_STEPS)} steps, the rate rising from {formatValue(LR_SWEEP_MIN)} to{' '}
            {formatValue(LR_SWEEP_MAX)}: the loss falls once the rate moves the weights, and blows
            up once it is too large.
          </span>
        )}
      </div>
      {message && (
        <p className="banner error" role="alert" data-testid="lr-error">
          {message}
        </p>
      )}
      {points.length > 0 && <LrSweepChart points={points} suggestion={suggestion} />}
      {result && (
        <p data-testid="lr-result">
          {result.cancelled &&
            `Cancelled after ${counted(result.points.length, 'step')}: a part of a sweep suggests no rate. `}
          {result.diverged &&
            `The loss blew up past ${formatValue(result.points.at(-1)?.lr ?? LR_SWEEP_MAX)}, where the sweep stopped. `}
          {suggestion !== undefined && (
            <>
              Suggested peak learning rate:{' '}
              <strong data-testid="lr-suggestion">{formatValue(rounded(suggestion))}</strong>, a
              third of the rate where the smoothed loss was lowest.{' '}
              {settings.schedule.peakLr === rounded(suggestion) ? (
                <span className="muted">(in use)</span>
              ) : (
                <button
                  type="button"
                  onClick={() => setSchedule({ peakLr: rounded(suggestion) })}
                  data-testid="lr-use"
                >
                  Use {formatValue(rounded(suggestion))}
                </button>
              )}
              {from && (
                <span className="muted" data-testid="lr-from-note">
                  {' '}
                  Training {checkpointName(from.ck)} further on {dataset?.name} (Checkpoints pane)
                  warms up to the schedule's peak.
                </span>
              )}
            </>
          )}
          {!result.cancelled &&
            suggestion === undefined &&
            'The loss never fell below where it started, so no rate is suggested: check that the dataset suits the model, or raise the batch for a steadier loss.'}
        </p>
      )}
      {result && !current && !running && (
        <p className="muted small">The model, dataset or batch changed since this sweep.</p>
      )}
    </div>
  );
}
