// The Train pane's controls: the next run's dataset, name, queue and sweep; the live run's
// pause, resume, stop, cool-down, finish-in and lengthen; datasets mixed in; its progress.

import { useMemo, useState } from 'react';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { useNotifications } from '../../store/notifications';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import { ownShare } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { coolDownFrom, finishAfter, lengthen, type Reschedule } from '../../train/schedule';
import { compact, count, stepTime } from '../common/format';
import { NumberInput } from '../common/NumberField';
import {
  mixable,
  useDefaultRunName,
  useNextRun,
  useNextSettings,
  useRunBlocker,
} from '../common/nextRun';
import { recentStepMs } from './queueTime';
import { Progress } from './RunProgress';
import { RunQueue } from './RunQueue';

export function RunControls() {
  const all = useDatasets((s) => s.datasets);
  const datasets = useMemo(() => all.filter((d) => d.status === 'complete'), [all]);
  const selectedId = useDatasets((s) => s.selectedId);
  const select = useDatasets((s) => s.select);
  const preset = useSetup((s) => s.preset);
  const { liveRunId, runs, start, pause, resume, stop, reschedule, requested } = useRuns();
  const live = runs.find((r) => r.id === liveRunId);
  const [name, setName] = useState('');
  // The dataset's vocabulary is in the config: the blocker holds a start until one is chosen.
  const blocker = useRunBlocker();
  const defaultName = useDefaultRunName();
  const next = useNextRun(name);
  const onStart = () => {
    start({ ...next, runId: crypto.randomUUID() });
    setName('');
  };
  return (
    <section className="card">
      <h2>Run</h2>
      <div className="row" style={{ gap: '0.8rem', flexWrap: 'wrap', alignItems: 'end' }}>
        <label className="field wide">
          <span>dataset</span>
          <select
            value={selectedId ?? ''}
            onChange={(e) => select(e.target.value || undefined)}
            data-testid="train-dataset"
          >
            <option value="">choose…</option>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({compact(d.train.tokens)} training tokens)
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>name</span>
          <input value={name} placeholder={defaultName} onChange={(e) => setName(e.target.value)} />
        </label>
        {!live && (
          <button
            type="button"
            className="primary"
            disabled={Boolean(blocker)}
            title={blocker}
            onClick={onStart}
            data-testid="start-run"
          >
            Start training {preset}
          </button>
        )}
        {live?.state === 'running' && (
          <button
            type="button"
            onClick={pause}
            disabled={requested !== undefined}
            data-testid="pause-run"
          >
            Pause
          </button>
        )}
        {live?.state === 'paused' && (
          <button type="button" className="primary" onClick={resume} data-testid="resume-run">
            Resume
          </button>
        )}
        {live && <RescheduleButtons run={live} onClick={reschedule} />}
        {live && (
          <button
            type="button"
            className="danger"
            onClick={stop}
            disabled={requested === 'stop'}
            data-testid="stop-run"
          >
            Stop
          </button>
        )}
      </div>
      {/* While a run trains, the dataset and mixture set the runs queued behind it. */}
      <MixIn />
      {blocker && !live && (
        <p className="muted" data-testid="run-blocker">
          {blocker}
        </p>
      )}
      {live && <Progress run={live} />}
      <RunQueue next={next} blocker={blocker} onQueued={() => setName('')} />
      <RunEndSwitch />
    </section>
  );
}

/** The Train pane's "Finish in" minutes at first: a short wrap-up. */
const FINISH_MINUTES = 10;

/**
 * A run whose rate holds (warm-up-stable-decay in its stable phase, or constant) can change its
 * length as it trains: finish in so many minutes (cooled down over the steps they take at its
 * recent step time), cool down now (its cool-down starts at once, its share of the steps done,
 * and the run finishes after it), or train longer (its steps after the warm-up, half as many
 * again; the rate at the steps done stays as it was).
 */
function RescheduleButtons({
  run,
  onClick,
}: {
  run: RunRecord;
  onClick: (to: Reschedule) => void;
}) {
  const requested = useRuns((s) => s.requested);
  const [minutes, setMinutes] = useState(FINISH_MINUTES);
  const done = run.metrics.steps.at(-1)?.step ?? 0;
  const planned = count(run.settings.schedule.totalSteps);
  const cut = coolDownFrom(run.settings.schedule, done);
  const longer = lengthen(run.settings.schedule, done);
  // The steps that take `minutes` at the run's recent step time (none before its first steps).
  const ms = recentStepMs(run);
  const steps = minutes > 0 && ms > 0 ? Math.max(1, Math.round((minutes * 60_000) / ms)) : 0;
  const finish = steps > 0 ? finishAfter(run.settings.schedule, done, steps) : undefined;
  if (requested) return null;
  return (
    <>
      {finishAfter(run.settings.schedule, done, 1) && (
        <span className="finish-in">
          <button
            type="button"
            disabled={!finish}
            onClick={() => onClick({ finishAfter: steps })}
            title={
              finish &&
              `End the run in about ${Number(minutes.toPrecision(3))} minutes at its recent ${stepTime(ms)} a step: step ${count(finish.totalSteps)} instead of ${planned}${finish.decay === 'wsd' ? ', the cool-down over the steps until then' : ''}`
            }
            data-testid="finish-in"
            data-steps={steps}
          >
            Finish in
          </button>
          <NumberInput
            value={minutes}
            min={0}
            onChange={setMinutes}
            ariaLabel="minutes to finish in"
            testId="finish-in-minutes"
          />
          min
        </span>
      )}
      {cut && (
        <button
          type="button"
          onClick={() => onClick('cool-down')}
          title={`Start the cool-down now: the rate falls to ${Math.round(cut.minRatio * 100)}% of the peak by step ${count(cut.totalSteps)} (of ${planned} planned), where the run finishes`}
          data-testid="cool-down"
        >
          Cool down now
        </button>
      )}
      {longer && (
        <button
          type="button"
          onClick={() => onClick('longer')}
          title={`Train to step ${count(longer.totalSteps)} instead of ${planned}, the rate held${longer.decay === 'wsd' ? ' until the cool-down, which moves to the new end' : ''}`}
          data-testid="train-longer"
        >
          Train longer
        </button>
      )}
    </>
  );
}

/**
 * Other datasets of the selected one's tokenizer mixed into the next run's training rows, each at
 * its share (in percent here); the selected dataset has the rest and gives the validation split.
 */
function MixIn() {
  const datasets = useDatasets((s) => s.datasets);
  const selected = useDatasets((s) => selectedDataset(s));
  const settings = useNextSettings();
  const mixIn = settings.mixIn ?? [];
  const setSettings = useSetup((s) => s.setSettings);
  const others = mixable(datasets, selected);
  if (!selected || others.length === 0) return null;
  const shareOf = (id: string) => mixIn.find((m) => m.datasetId === id)?.share;
  const setShare = (id: string, share: number | undefined) =>
    setSettings({
      mixIn: [
        ...mixIn.filter((m) => m.datasetId !== id),
        ...(share === undefined ? [] : [{ datasetId: id, share }]),
      ],
    });
  return (
    <fieldset className="mix-in" data-testid="mix-in">
      <legend className="small muted">
        mix in other datasets of its tokenizer (each training row comes from one by its share)
      </legend>
      {others.map((d) => {
        const share = shareOf(d.id);
        return (
          <div key={d.id} className="row small" style={{ gap: '0.6rem', alignItems: 'center' }}>
            <label>
              <input
                type="checkbox"
                checked={share !== undefined}
                onChange={(e) => setShare(d.id, e.target.checked ? 0.25 : undefined)}
                data-testid="mix-in-pick"
              />{' '}
              {d.name} ({compact(d.train.tokens)} training tokens)
            </label>
            {share !== undefined && (
              <label>
                share{' '}
                <input
                  type="number"
                  min={1}
                  max={90}
                  value={Math.round(share * 1000) / 10}
                  onChange={(e) => setShare(d.id, e.target.valueAsNumber / 100)}
                  data-testid="mix-in-share"
                  style={{ width: '5rem' }}
                />
                %
              </label>
            )}
          </div>
        );
      })}
      {mixIn.length > 0 && (
        <p className="small muted" data-testid="mix-in-summary">
          {selected.name} gives {Math.round(ownShare(settings) * 100)}% of the rows and the
          validation split.
        </p>
      )}
    </fieldset>
  );
}

/** The switch for a system notification when a run ends, and why it cannot be on. */
function RunEndSwitch() {
  const { runEnds, problem, setRunEnds } = useNotifications();
  return (
    <div className="run-notify small">
      <label title="A notification from the system, also while this tab is in the background">
        <input
          type="checkbox"
          checked={runEnds}
          onChange={(e) => void setRunEnds(e.target.checked)}
          data-testid="notify-run-end"
        />{' '}
        notify me when a run ends, or waits for me
      </label>
      {problem && (
        <div className="banner warn" role="alert" data-testid="notify-problem">
          {problem}
        </div>
      )}
    </div>
  );
}
