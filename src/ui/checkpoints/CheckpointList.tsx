// The table of stored checkpoints: loss, perplexity, size, the sample their weights wrote, each
// run's best; resume or train further, evaluate, chat, export, delete, and free all but each run's
// latest and best.

import { useEffect, useMemo } from 'react';
import { nothingToEvaluate } from '../../data/shardReader';
import type { DatasetManifest } from '../../data/shardStore';
import {
  checkpointTokenizerId,
  datasetsFor,
  freshSchedule,
  furtherDatasetOf,
  runOnItsData,
  trainsFurther,
  useCheckpoints,
} from '../../store/checkpoints';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { useEvaluation } from '../../store/evaluation';
import { chatWith } from '../../store/nav';
import { useNewestCheckpoints, useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import { bestCheckpointIds, prunableCheckpoints } from '../../train/checkpointPrune';
import { perplexity } from '../../train/metrics';
import type { CheckpointSummary, RunRecord } from '../../train/runStore';
import { decayInWords, type LrSchedule } from '../../train/schedule';
import { useConfirmDelete } from '../common/ConfirmDelete';
import { bytes, count, counted, dateTime } from '../common/format';
import { useGpuBusy } from '../common/gpuBusy';
import { ExportOptions, exportWithPicker } from './BundleExport';

/**
 * The tooltip of "Train further", in this pane and the Train pane's run list: the dataset the new
 * run trains on (furtherDataset), whether it keeps its place there (its run's own dataset) and
 * which schedule it follows (freshSchedule): `schedule` is the Model pane's.
 */
export const trainFurtherTitle = (
  schedule: LrSchedule,
  dataset?: DatasetManifest,
  ownId?: string,
) => {
  const start = `A new run from this checkpoint${dataset ? ` on ${dataset.name}` : ''}, ${count(schedule.totalSteps)} steps more (the Model pane’s total steps), with its optimizer state`;
  if (!freshSchedule(ownId, dataset?.id ?? ownId)) {
    return `${start} and data position, its learning rate on its run's decay, stretched over a schedule that much longer`;
  }
  return (
    `${start} (the dataset from its start), on a schedule of its own from the Model pane: ` +
    `${count(schedule.warmupSteps)} warm-up steps to ${schedule.peakLr}, then ${decayInWords(schedule)}`
  );
};

/**
 * Whether the checkpoint can train now, and if not, why. `run` is its run where that run's dataset
 * is still here; without one it trains on a dataset with the checkpoint's tokenizer.
 */
function useResumeBlocker(ck: CheckpointSummary, run: RunRecord | undefined): string | undefined {
  const busy = useGpuBusy('A run is training: stop it first (Train pane).');
  const details = useCheckpoints((s) => s.details[ck.id]);
  const problem = useCheckpoints((s) => s.problems[ck.id]);
  const datasets = useDatasets((s) => s.datasets);
  const selectedId = useDatasets((s) => s.selectedId);
  const inspect = useCheckpoints((s) => s.inspect);
  useEffect(() => {
    if (!run) inspect(ck.id);
  }, [run, ck.id, inspect]);
  const matching = useMemo(
    () => (details ? datasetsFor(datasets, details.tokenizerId, selectedId) : []),
    [details, datasets, selectedId],
  );
  if (busy) return busy;
  if (run) return undefined;
  if (problem) return problem;
  if (!details) return 'Reading the checkpoint…';
  if (matching.length === 0) {
    return (
      `No dataset here uses this checkpoint’s tokenizer (${count(details.config.vocab_size)} ` +
      'tokens). Training it further needs one: import the dataset it was trained on, with the ' +
      'same vocabulary settings, in the Data pane. Chat works without one.'
    );
  }
  return undefined;
}

function CheckpointRow({
  ck,
  run,
  best,
  onDelete,
}: {
  ck: CheckpointSummary;
  run: RunRecord | undefined;
  /** The lowest validation loss of its run. */
  best: boolean;
  onDelete: () => void;
}) {
  const datasets = useDatasets((s) => s.datasets);
  const loaded = useDatasets((s) => s.loaded);
  const selectedId = useDatasets((s) => s.selectedId);
  const details = useCheckpoints((s) => s.details[ck.id]);
  const onItsData = runOnItsData(run, { datasets, loaded });
  const blocker = useResumeBlocker(ck, onItsData);
  const exporting = useCheckpoints((s) => s.exportJob);
  const trainFrom = useCheckpoints((s) => s.trainFrom);
  const needsDataset = !onItsData && blocker?.startsWith('No dataset');
  const schedule = useSetup((s) => s.settings.schedule);
  const further = trainsFurther(ck, onItsData);
  // The text the run's weights wrote at this step, where it evaluated there.
  const sample = run?.metrics.evals.find((e) => e.step === ck.step)?.sample;
  const sampleText = sample === undefined ? undefined : (run?.settings.samplePrompt ?? '') + sample;
  return (
    <tr data-testid="checkpoint-row" data-source={ck.source} data-id={ck.id} data-step={ck.step}>
      <td className="name-cell">
        {ck.runName}
        {ck.source === 'import' && <span className="muted small"> · imported</span>}
        {best && (
          <span
            className="badge"
            data-testid="best-checkpoint"
            title="The lowest validation loss of its run"
          >
            best
          </span>
        )}
        {sampleText !== undefined && (
          <div
            className="muted small sample-line"
            title={sampleText}
            data-testid="checkpoint-sample"
          >
            “{sampleText}”
          </div>
        )}
        {needsDataset && (
          <div className="muted small" data-testid="resume-needs-dataset">
            {blocker}
          </div>
        )}
      </td>
      <td data-label="step">{count(ck.step)}</td>
      <td data-label="loss">
        {Number.isFinite(ck.loss) ? ck.loss.toFixed(3) : '—'}
        {ck.valLoss !== undefined && <div className="muted small">val {ck.valLoss.toFixed(3)}</div>}
      </td>
      <td data-label="perplexity">
        {Number.isFinite(ck.loss) ? perplexity(ck.loss).toFixed(1) : '—'}
        {ck.valLoss !== undefined && (
          <div className="muted small">val {perplexity(ck.valLoss).toFixed(1)}</div>
        )}
      </td>
      <td data-label="saved">{dateTime(ck.createdAt)}</td>
      <td data-label="size">{bytes(ck.bytes)}</td>
      <EvaluationCell ck={ck} run={run} />
      <td>
        <div className="checkpoint-actions">
          <button
            type="button"
            className="primary"
            disabled={Boolean(blocker)}
            title={
              blocker ??
              (further
                ? trainFurtherTitle(
                    schedule,
                    furtherDatasetOf(run, { datasets, selectedId }, details),
                    run?.datasetId,
                  )
                : 'Continue its run from this checkpoint, to the end of its schedule')
            }
            onClick={() => trainFrom(ck.id)}
            data-testid="resume-checkpoint"
          >
            {further ? 'Train further' : 'Resume training'}
          </button>
          <button type="button" onClick={() => chatWith(ck.id)} data-testid="chat-checkpoint">
            Chat
          </button>
          <button
            type="button"
            disabled={Boolean(exporting)}
            title={exporting ? 'Another export is running.' : 'Download as a Hugging Face bundle'}
            onClick={() => void exportWithPicker(ck)}
            data-testid="export-checkpoint"
          >
            Export
          </button>
          <button
            type="button"
            className="danger"
            disabled={exporting?.checkpointId === ck.id}
            onClick={onDelete}
            data-testid="delete-checkpoint"
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

/** The evaluation column's header, also its cells' name where the table stacks them (data-label). */
const lossOn = (dataset: { name: string }) => `loss on ${dataset.name}`;

/**
 * A checkpoint's loss on the selected dataset's validation split: as last evaluated, or a button
 * that evaluates it (the train worker's evaluation.ts), with its progress while it runs.
 */
function EvaluationCell({ ck, run }: { ck: CheckpointSummary; run: RunRecord | undefined }) {
  const dataset = useDatasets(selectedDataset);
  const datasets = useDatasets((s) => s.datasets);
  const details = useCheckpoints((s) => s.details[ck.id]);
  const busy = useGpuBusy('A run is training: evaluate once it ends.');
  const { job, problem, evaluate, cancel } = useEvaluation();
  if (!dataset) return <td />;
  const done = ck.evaluations?.find((e) => e.datasetId === dataset.id);
  const mine = job?.checkpointId === ck.id;
  const tokenizerId = checkpointTokenizerId(run, datasets, details);
  // The checkpoint's context sets the windows it is evaluated on.
  const T = (run?.config ?? details?.config)?.max_seq_len;
  const blocker =
    busy ??
    (job
      ? 'Another evaluation is running.'
      : tokenizerId !== undefined && tokenizerId !== dataset.tokenizerId
        ? `${dataset.name} has another tokenizer: import its files with this checkpoint’s (Data pane, import options) to evaluate it there.`
        : T !== undefined
          ? nothingToEvaluate(dataset, T)
          : undefined);
  return (
    <td data-testid="checkpoint-evaluation" data-label={lossOn(dataset)}>
      {done && (
        <span
          title={`${count(done.tokens)} validation tokens of ${done.datasetName}, ${new Date(done.at).toLocaleString()}`}
          data-testid="evaluation-loss"
        >
          {done.loss.toFixed(3)}
          <div className="muted small">ppl {perplexity(done.loss).toFixed(1)}</div>
        </span>
      )}
      {mine ? (
        <span className="small" data-testid="evaluation-progress">
          {job.total ? `${count(job.done)} of ${count(job.total)} batches` : 'Loading…'}{' '}
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </span>
      ) : (
        !done && (
          <button
            type="button"
            disabled={Boolean(blocker)}
            title={blocker ?? `Its loss on the validation split of ${dataset.name}`}
            onClick={() => evaluate(ck.id, dataset.id)}
            data-testid="evaluate-checkpoint"
          >
            Evaluate
          </button>
        )
      )}
      {problem?.checkpointId === ck.id && (
        <div className="small error-text" role="alert" data-testid="evaluation-problem">
          {problem.message}
        </div>
      )}
    </td>
  );
}

export function CheckpointList() {
  const checkpoints = useRuns((s) => s.checkpoints);
  const runs = useRuns((s) => s.runs);
  const loaded = useRuns((s) => s.loaded);
  const remove = useCheckpoints((s) => s.remove);
  const [askDelete, deleteDialog] = useConfirmDelete(
    (ck: CheckpointSummary) => ({
      title: 'Delete this checkpoint?',
      text: `${ck.runName}, step ${count(ck.step)} (${bytes(ck.bytes)}) is removed from this browser. This cannot be undone; export it first to keep a copy.`,
    }),
    (ck) => void remove([ck]),
  );
  const [askPrune, pruneDialog] = useConfirmDelete(
    (cks: CheckpointSummary[]) => ({
      title: `Delete ${counted(cks.length, 'checkpoint')}?`,
      text: `Every checkpoint but each run's latest (what a resume continues from) and its best by validation loss: ${counted(cks.length, 'checkpoint')}, ${bytes(cks.reduce((sum, ck) => sum + ck.bytes, 0))}. Imported checkpoints stay. This cannot be undone.`,
    }),
    (cks) => void remove(cks),
  );
  const newestFirst = useNewestCheckpoints();
  const best = useMemo(() => bestCheckpointIds(checkpoints), [checkpoints]);
  const prunable = useMemo(() => prunableCheckpoints(checkpoints), [checkpoints]);
  const prunableBytes = prunable.reduce((sum, ck) => sum + ck.bytes, 0);
  const evalDataset = useDatasets(selectedDataset);
  return (
    <section className="card">
      <div className="row">
        <h2>Checkpoints</h2>
        {newestFirst.length > 0 && <ExportOptions />}
        {prunable.length > 0 && (
          <button
            type="button"
            onClick={() => askPrune(prunable)}
            data-testid="prune-checkpoints"
            data-count={prunable.length}
            title="Delete every checkpoint but each run's latest (what a resume continues from) and its best by validation loss; imported checkpoints stay"
          >
            Keep each run's latest and best ({bytes(prunableBytes)} to free)
          </button>
        )}
      </div>
      {newestFirst.length === 0 ? (
        <p className="muted">
          {loaded
            ? 'No checkpoints yet: train a model (Train pane) or import a bundle below.'
            : 'Loading…'}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="stacked" data-testid="checkpoint-list">
            <thead>
              <tr>
                <th>run</th>
                <th>step</th>
                <th title="Mean training loss of the 10 steps before it; below, its validation loss (where its run evaluated at its step)">
                  loss
                </th>
                <th title="exp of the losses beside it">perplexity</th>
                <th>saved</th>
                <th>size</th>
                <th
                  className="name-cell"
                  title="Loss on the validation split of the dataset selected in the Train pane"
                >
                  {evalDataset && lossOn(evalDataset)}
                </th>
                <th />
              </tr>
            </thead>
            <tbody>
              {newestFirst.map((ck) => (
                <CheckpointRow
                  key={ck.id}
                  ck={ck}
                  run={runs.find((r) => r.id === ck.runId)}
                  best={best.has(ck.id)}
                  onDelete={() => askDelete(ck)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleteDialog}
      {pruneDialog}
    </section>
  );
}
