// The Train pane: start, pause, resume and stop a run on the selected dataset; its progress;
// live charts of every metric, smoothed and comparable across runs; the text each evaluation's
// weights wrote; runs cut off by a reload offer to resume from their last checkpoint, finished
// ones to train further from it (both through the Checkpoints store's trainFrom, as that pane's
// buttons); a run that is not training can be deleted with its checkpoints; a system notification
// when a run ends, where the user asks for one (runEndNotice.ts).

import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetManifest } from '../data/shardStore';
import { metricsCsv } from '../export/hfFiles';
import { parameterCount } from '../model/config';
import { useCharts } from '../store/charts';
import {
  furtherDatasetOf,
  runOnItsData,
  trainsFurther,
  useCheckpoints,
} from '../store/checkpoints';
import { selectedDataset, useDatasets } from '../store/datasets';
import { chatWith, useNav } from '../store/nav';
import { useNotifications } from '../store/notifications';
import { useRuns } from '../store/runs';
import { useSetup } from '../store/setup';
import { ownShare } from '../train/defaults';
import type { RunRecord } from '../train/runStore';
import { coolDownFrom, finishAfter, lengthen, type Reschedule } from '../train/schedule';
import { SWEEP_AXES, sweepVariant } from '../train/sweep';
import type { TrainerActivity } from '../train/trainer';
import { median } from '../util/median';
import { trainFurtherTitle } from './CheckpointsPane';
import { useConfirmDelete } from './ConfirmDelete';
import { ChartPicker } from './charts/ChartPicker';
import { MetricChart, type Series } from './charts/MetricChart';
import { PartNormHeatmap } from './charts/PartNormHeatmap';
import { runDifferences } from './charts/runDifferences';
import {
  chartReferences,
  evalSeries,
  type StepMetric,
  stepSeries,
  type XAxisKind,
  type XRange,
} from './charts/runSeries';
import { SweepChart } from './charts/SweepChart';
import { sweepsOf } from './charts/sweepPoints';
import { formatValue } from './charts/ticks';
import { download, fileStem } from './download';
import { bytes, compact, count, duration, epochs, stepTime } from './format';
import { NumberInput } from './NumberField';
import { mixable, useDefaultRunName, useNextRun, useNextSettings, useRunBlocker } from './nextRun';
import { recentStepMs, secondsLeft } from './queueTime';
import { RunQueue } from './RunQueue';
import { TrainingSamples } from './TrainingSamples';

const COLORS = ['#38bdf8', '#f472b6', '#a3e635', '#fbbf24', '#c084fc', '#fb7185', '#2dd4bf'];

/**
 * What sets runs apart on the charts: size, peak learning rate (and where a fine-tuned run's
 * schedule started), tokens a step, and the dataset (a fine-tuned run's differs from its base's)
 * while it is stored.
 */
const runSetup = (r: RunRecord, datasets: DatasetManifest[]) => {
  const { batchSize, seqLen, accumSteps, schedule } = r.settings;
  const accum = accumSteps > 1 ? ` × ${accumSteps}` : '';
  const nameOf = (id: string) => datasets.find((d) => d.id === id)?.name;
  const dataset = nameOf(r.datasetId);
  const mixed = (r.settings.mixIn ?? [])
    .map((m) => ` + ${nameOf(m.datasetId) ?? 'a deleted dataset'} ${Math.round(m.share * 100)}%`)
    .join('');
  const from = schedule.startStep ? ` from step ${count(schedule.startStep)}` : '';
  return `${compact(parameterCount(r.config))} params · lr ${schedule.peakLr}${from} · batch ${batchSize} × ${seqLen}${accum}${dataset ? ` · on ${dataset}${mixed}` : ''}`;
};

function RunControls() {
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
      {blocker && !live && <p className="muted">{blocker}</p>}
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

function Progress({ run }: { run: RunRecord }) {
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

/** A new run's setup like run r's, its dataset selected (while stored), shown in the Model pane. */
function takeSetupOf(r: RunRecord): void {
  useSetup.getState().adopt(r.config, r.settings);
  const datasets = useDatasets.getState();
  if (selectedDataset({ ...datasets, selectedId: r.datasetId })) datasets.select(r.datasetId);
  useNav.getState().show('model');
}

/**
 * A run's note, written in place: its text (pressed to edit) or a button to add one; leaving the
 * field (Enter does) saves it, Escape leaves it as it was.
 */
function RunNote({ run, editable }: { run: RunRecord; editable: boolean }) {
  const setNote = useRuns((s) => s.setNote);
  const [draft, setDraft] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (draft !== undefined) input.current?.focus();
  }, [draft]);
  const save = () => {
    if (draft !== undefined && draft.trim() !== (run.note ?? '')) setNote(run.id, draft);
    setDraft(undefined);
  };
  if (draft !== undefined) {
    return (
      <input
        ref={input}
        className="run-note-input small"
        value={draft}
        maxLength={500}
        placeholder="what was tried, what happened"
        aria-label={`note on ${run.name}`}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          // Saved once, by the blur; the field goes without one.
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') setDraft(undefined);
        }}
        onBlur={save}
        data-testid="run-note-input"
      />
    );
  }
  if (!editable) return run.note ? <div className="run-note small">{run.note}</div> : null;
  return (
    <button
      type="button"
      className={`run-note small${run.note ? '' : ' muted'}`}
      title={run.note ? 'Edit the note' : undefined}
      onClick={() => setDraft(run.note ?? '')}
      data-testid="run-note"
    >
      {run.note ?? '+ note'}
    </button>
  );
}

function RunList() {
  const { runs, compare, toggleCompare, liveRunId, elsewhere, checkpoints, removeRun } = useRuns();
  const [askDelete, deleteDialog] = useConfirmDelete(
    (r: RunRecord) => ({
      title: 'Delete this run?',
      text: `${r.name}: its metrics, samples and ${count(checkpoints.filter((c) => c.runId === r.id).length)} checkpoint(s) are removed from this browser. This cannot be undone; export a checkpoint first to keep it.`,
    }),
    (r) => void removeRun(r.id),
  );
  const datasets = useDatasets((s) => s.datasets);
  const loaded = useDatasets((s) => s.loaded);
  const selectedId = useDatasets((s) => s.selectedId);
  const trainFrom = useCheckpoints((s) => s.trainFrom);
  const schedule = useSetup((s) => s.settings.schedule);
  if (runs.length === 0) return null;
  return (
    <section className="card">
      <h2>Runs</h2>
      <div className="table-scroll">
        <table data-testid="run-list">
          <thead>
            <tr>
              <th>chart</th>
              <th>run</th>
              <th>state</th>
              <th>step</th>
              <th title="Training loss of the last step">loss</th>
              <th title="Of the last evaluation">validation loss</th>
              <th>tokens</th>
              <th>training time</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => {
              const ck = checkpoints.find((c) => c.id === r.lastCheckpointId);
              // Another tab trains it: that tab pauses, stops or deletes it.
              const there = elsewhere.includes(r.id);
              const idle = !liveRunId && !there && ck && r.state !== 'running';
              // Without its dataset, the Checkpoints pane trains its checkpoints further on one with
              // the same tokenizer.
              const onItsData = runOnItsData(r, { datasets, loaded }) !== undefined;
              // The store's rule for what trainFrom does, so that the button says it.
              const further = idle && onItsData && trainsFurther(ck, r);
              const resumable = idle && onItsData && !further;
              return (
                <tr
                  key={r.id}
                  data-testid="run-row"
                  data-state={r.state}
                  data-elsewhere={there || undefined}
                >
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`show ${r.name} on the charts`}
                      checked={compare.includes(r.id)}
                      onChange={() => toggleCompare(r.id)}
                      style={{ accentColor: COLORS[i % COLORS.length] }}
                    />
                  </td>
                  <td>
                    <span data-testid="run-name">{r.name}</span>
                    <div className="muted small" data-testid="run-setup">
                      {runSetup(r, datasets)}
                    </div>
                    <RunNote run={r} editable={!there} />
                  </td>
                  <td title={r.message}>
                    {there ? `${r.state} in another tab` : r.state}
                    {r.message && <div className="muted small">{r.message}</div>}
                  </td>
                  <td>{count(r.metrics.steps.at(-1)?.step ?? 0)}</td>
                  <td>{r.metrics.steps.at(-1)?.loss.toFixed(3) ?? '—'}</td>
                  <td data-testid="run-val-loss">
                    {r.metrics.evals.at(-1)?.valLoss.toFixed(3) ?? '—'}
                  </td>
                  <td>{compact(r.metrics.steps.at(-1)?.tokens ?? 0)}</td>
                  <td>{duration(r.metrics.steps.at(-1)?.time ?? 0)}</td>
                  <td>
                    {resumable && (
                      <button
                        type="button"
                        data-testid="resume-from-checkpoint"
                        onClick={() => trainFrom(ck.id)}
                      >
                        Resume from step {ck.step}
                      </button>
                    )}
                    {further && (
                      <button
                        type="button"
                        data-testid="train-further"
                        title={trainFurtherTitle(
                          schedule,
                          furtherDatasetOf(r, { datasets, selectedId }),
                          r.datasetId,
                        )}
                        onClick={() => trainFrom(ck.id)}
                      >
                        Train further
                      </button>
                    )}
                    {idle && !onItsData && (
                      <span className="muted small" data-testid="run-dataset-gone">
                        Its dataset is gone: train its checkpoints further from the Checkpoints
                        pane.
                      </span>
                    )}{' '}
                    {ck && (
                      <button
                        type="button"
                        data-testid="run-chat"
                        title={`Chat with its latest checkpoint, of step ${count(ck.step)}`}
                        onClick={() => chatWith(ck.id)}
                      >
                        Chat
                      </button>
                    )}{' '}
                    {r.metrics.steps.length > 0 && (
                      <button
                        type="button"
                        data-testid="run-metrics-csv"
                        title="Every step's metrics and every evaluation, as the exported bundle's metrics.csv"
                        onClick={() =>
                          download(
                            new Blob([metricsCsv(r.metrics, r.config)], { type: 'text/csv' }),
                            `${fileStem(r.name)}-metrics.csv`,
                          )
                        }
                      >
                        Metrics CSV
                      </button>
                    )}{' '}
                    <button
                      type="button"
                      data-testid="use-run-setup"
                      title="Put this run's model and training settings (and its dataset, while it is stored) in the Model pane, for a new run"
                      onClick={() => takeSetupOf(r)}
                    >
                      Use its setup
                    </button>{' '}
                    {r.id !== liveRunId && !there && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => askDelete(r)}
                        data-testid="delete-run"
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {deleteDialog}
    </section>
  );
}

const CHARTS: { id: StepMetric; title: string; val?: 'valLoss' | 'valPerplexity' }[] = [
  { id: 'loss', title: 'Loss', val: 'valLoss' },
  { id: 'perplexity', title: 'Perplexity', val: 'valPerplexity' },
  { id: 'lr', title: 'Learning rate' },
  { id: 'gradNorm', title: 'Gradient norm' },
  { id: 'tokensPerSec', title: 'Tokens per second' },
];

function Charts() {
  // The charts redraw from a deferred copy of the runs: React renders it in the background, in
  // short slices, so that a batch of steps never holds the page up while it trains.
  const runs = useDeferredValue(useRuns((s) => s.runs));
  const compare = useRuns((s) => s.compare);
  const liveRunId = useRuns((s) => s.liveRunId);
  const { smoothing, log, x, zoom, set } = useCharts();
  const zoomTo = useCallback((range: XRange) => set({ zoom: range }), [set]);
  // The runs on the charts, each in its colour (by its place among all runs).
  const shown = useMemo(
    () =>
      runs
        .map((r, i) => ({ r, color: COLORS[i % COLORS.length] }))
        .filter(({ r }) => compare.includes(r.id)),
    [runs, compare],
  );
  const charts = useMemo(() => {
    const charted = shown.map(({ r }) => r);
    return CHARTS.map((c) => {
      const series: Series[] = [];
      for (const { r, color } of shown) {
        // An ended run's empty series (stopped before its first step, or never evaluated) gets no
        // legend entry. The live run keeps its entries while empty: a legend that grows when the
        // first points arrive lays every chart out again, a long task at the start of each run.
        const add = (s: Series) => {
          if (s.points.length > 0 || r.id === liveRunId) series.push(s);
        };
        add({
          name: `${r.name} train`,
          color,
          points: stepSeries(r.metrics, c.id, x, smoothing, zoom),
        });
        if (c.val) {
          add({
            name: `${r.name} validation`,
            color,
            dashed: true,
            points: evalSeries(r.metrics, c.val, x, zoom),
          });
        }
      }
      return { ...c, series, references: chartReferences(c.id, charted) };
    });
  }, [shown, x, smoothing, liveRunId, zoom]);
  // The heatmap shows one run: the newest of those on the charts, or the one picked among them.
  const [heatmapId, setHeatmapId] = useState<string>();
  const heatmapRun = (shown.find(({ r }) => r.id === heatmapId) ?? shown.at(-1))?.r;
  // The heatmap's steps follow the charts' zoom too.
  const heatmapSteps = useMemo(() => {
    const steps = heatmapRun?.metrics.steps ?? [];
    if (!zoom) return steps;
    return steps.filter((m) => {
      const at = m[x];
      return at !== undefined && at >= zoom[0] && at <= zoom[1];
    });
  }, [heatmapRun, zoom, x]);
  const sweeps = useMemo(() => sweepsOf(runs), [runs]);
  const datasets = useDatasets((s) => s.datasets);
  // What sets the charted runs apart: a few runs' settings compared, cheap at every render.
  const differences = runDifferences(
    shown.map(({ r }) => r),
    (id) => datasets.find((d) => d.id === id)?.name,
  );
  const [sweepId, setSweepId] = useState<string>();
  const sweep = sweeps.find((s) => s.id === sweepId) ?? sweeps[0];
  return (
    <section className="card">
      <div className="row" style={{ gap: '1.2rem', flexWrap: 'wrap', alignItems: 'center' }}>
        <h2 style={{ margin: 0 }}>Metrics</h2>
        <label className="inline">
          smoothing {smoothing.toFixed(2)}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => set({ smoothing: e.target.valueAsNumber })}
          />
        </label>
        <label className="inline">
          <input type="checkbox" checked={log} onChange={(e) => set({ log: e.target.checked })} />{' '}
          log scale
        </label>
        <label className="inline">
          x axis
          <select
            value={x}
            onChange={(e) => set({ x: e.target.value as XAxisKind, zoom: undefined })}
          >
            <option value="step">step</option>
            <option value="tokens">tokens</option>
            <option value="time">time (s)</option>
            <option value="epochs">epochs of the data</option>
          </select>
        </label>
        {zoom ? (
          <span className="small" data-testid="chart-zoom">
            {x === 'time' ? 'seconds' : x} {formatValue(zoom[0])}–{formatValue(zoom[1])}{' '}
            <button type="button" onClick={() => set({ zoom: undefined })} data-testid="zoom-reset">
              Show all
            </button>
          </span>
        ) : (
          <span className="small muted">drag across a chart to zoom</span>
        )}
      </div>
      <div className="grid charts">
        {charts.map((c) => (
          <MetricChart
            key={c.id}
            title={c.title}
            series={c.series}
            log={log}
            xLabel={x === 'time' ? 'seconds' : x}
            testId={`chart-${c.id}`}
            references={c.references}
            zoom={zoom}
            onZoom={zoomTo}
          />
        ))}
        <PartNormHeatmap
          key={heatmapRun?.id}
          runName={heatmapRun?.name}
          config={heatmapRun?.config}
          steps={heatmapSteps}
          picker={
            heatmapRun &&
            shown.length > 1 && (
              <ChartPicker
                value={heatmapRun.id}
                options={shown.map(({ r }) => ({ id: r.id, label: r.name }))}
                onChange={setHeatmapId}
                label="the run whose gradient norms are drawn"
                testId="part-norms-run"
              />
            )
          }
        />
        {sweep && (
          <SweepChart
            sweep={sweep}
            onTake={(value) => {
              const { config, settings, adopt } = useSetup.getState();
              const taken = sweepVariant(config, settings, sweep.axis, value);
              adopt(taken.config, taken.settings);
            }}
            picker={
              sweeps.length > 1 && (
                <ChartPicker
                  value={sweep.id}
                  options={sweeps.map((s) => ({
                    id: s.id,
                    label: `${SWEEP_AXES[s.axis].short} ${s.points.map((p) => p.value).join(', ')}`,
                  }))}
                  onChange={setSweepId}
                  label="the sweep drawn"
                  testId="sweep-pick"
                />
              )
            }
          />
        )}
      </div>
      {shown.length > 1 && differences.length > 0 && (
        <div className="table-scroll">
          <table className="run-differences small" data-testid="run-differences">
            <caption className="muted">What sets the charted runs apart</caption>
            <thead>
              <tr>
                <th />
                {shown.map(({ r, color }) => (
                  <th key={r.id} style={{ color }}>
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {differences.map((d) => (
                <tr key={d.label}>
                  <th scope="row">{d.label}</th>
                  {d.values.map((v, i) => (
                    <td key={shown[i].r.id}>{v}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function TrainPane() {
  return (
    <div className="train-pane">
      <RunControls />
      <Charts />
      <TrainingSamples />
      <RunList />
    </div>
  );
}
