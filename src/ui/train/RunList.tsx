// The table of runs: state, losses, tokens and time; notes; which runs the charts show; train
// further, chat, metrics CSV, take the setup back, delete.

import type { DatasetManifest } from '../../data/shardStore';
import { metricsCsv } from '../../export/hfFiles';
import { parameterCount } from '../../model/config';
import { useCharts } from '../../store/charts';
import {
  furtherDatasetOf,
  runOnItsData,
  trainsFurther,
  useCheckpoints,
} from '../../store/checkpoints';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { chatWith, useNav } from '../../store/nav';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import type { RunRecord } from '../../train/runStore';
import { fileStem } from '../../util/fileStem';
import { trainFurtherTitle } from '../checkpoints/CheckpointList';
import { useConfirmDelete } from '../common/ConfirmDelete';
import { download } from '../common/download';
import { compact, count, duration } from '../common/format';
import { InlineEdit } from '../common/InlineEdit';
import { runColor } from './MetricsCharts';
import { nextOrder, orderedRuns, type RunColumn } from './runOrder';

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

/** A new run's setup like run r's, its dataset selected (while stored), shown in the Model pane. */
function takeSetupOf(r: RunRecord): void {
  useSetup.getState().adopt(r.config, r.settings);
  const datasets = useDatasets.getState();
  if (selectedDataset({ ...datasets, selectedId: r.datasetId })) datasets.select(r.datasetId);
  useNav.getState().show('model');
}

const COLUMNS: { column: RunColumn; label: string; title?: string }[] = [
  { column: 'name', label: 'run' },
  { column: 'state', label: 'state' },
  { column: 'step', label: 'step' },
  { column: 'loss', label: 'loss', title: 'Training loss of the last step' },
  { column: 'valLoss', label: 'validation loss', title: 'Of the last evaluation' },
  { column: 'tokens', label: 'tokens' },
  { column: 'time', label: 'training time' },
];
/** Each column's header, also the name its cells carry where the table stacks them (data-label). */
const LABEL = Object.fromEntries(COLUMNS.map((c) => [c.column, c.label])) as Record<
  RunColumn,
  string
>;

/** A column's header: pressed, the list is ordered by it (ascending, descending, as made). */
function SortHeader({
  column,
  label,
  title,
}: {
  column: RunColumn;
  label: string;
  title?: string;
}) {
  const order = useCharts((s) => s.runOrder);
  const set = useCharts((s) => s.set);
  const by = order?.column === column ? order : undefined;
  return (
    <th aria-sort={by ? (by.descending ? 'descending' : 'ascending') : undefined} title={title}>
      <button
        type="button"
        className="sort-header"
        onClick={() => set({ runOrder: nextOrder(order, column) })}
        data-testid={`sort-${column}`}
      >
        {label}
        <span aria-hidden="true">{by ? (by.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

export function RunList() {
  const order = useCharts((s) => s.runOrder);
  const {
    runs,
    compare,
    toggleCompare,
    liveRunId,
    elsewhere,
    checkpoints,
    removeRun,
    rename,
    setNote,
  } = useRuns();
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
        <table className="stacked" data-testid="run-list">
          <thead>
            <tr>
              <th>chart</th>
              {COLUMNS.map((c) => (
                <SortHeader key={c.column} {...c} />
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {orderedRuns(runs, order).map((r) => {
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
                  <td data-label="chart">
                    <input
                      type="checkbox"
                      aria-label={`show ${r.name} on the charts`}
                      checked={compare.includes(r.id)}
                      onChange={() => toggleCompare(r.id)}
                      style={{ accentColor: runColor(runs.indexOf(r)) }}
                    />
                  </td>
                  <td className="name-cell">
                    <InlineEdit
                      value={r.name}
                      onSave={(name) => rename(r.id, name)}
                      label={`name of ${r.name}`}
                      testId="run-name"
                      editable={!there}
                      maxLength={120}
                      title="Rename the run"
                    />
                    <div className="muted small" data-testid="run-setup">
                      {runSetup(r, datasets)}
                    </div>
                    <InlineEdit
                      value={r.note ?? ''}
                      onSave={(note) => setNote(r.id, note)}
                      label={`note on ${r.name}`}
                      testId="run-note"
                      className="run-note small"
                      editable={!there}
                      maxLength={500}
                      title="Edit the note"
                      placeholder="what was tried, what happened"
                      empty="+ note"
                    />
                  </td>
                  <td title={r.message} data-label={LABEL.state}>
                    {there ? `${r.state} in another tab` : r.state}
                    {r.message && <div className="muted small">{r.message}</div>}
                  </td>
                  <td data-label={LABEL.step}>{count(r.metrics.steps.at(-1)?.step ?? 0)}</td>
                  <td data-label={LABEL.loss}>{r.metrics.steps.at(-1)?.loss.toFixed(3) ?? '—'}</td>
                  <td data-testid="run-val-loss" data-label={LABEL.valLoss}>
                    {r.metrics.evals.at(-1)?.valLoss.toFixed(3) ?? '—'}
                  </td>
                  <td data-label={LABEL.tokens}>{compact(r.metrics.steps.at(-1)?.tokens ?? 0)}</td>
                  <td data-label={LABEL.time}>{duration(r.metrics.steps.at(-1)?.time ?? 0)}</td>
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
