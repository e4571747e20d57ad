// The stored datasets: their statistics, export of their token shards, selection and deletion.

import { useState } from 'react';
import type { DatasetManifest, RepeatPlacement } from '../../data/shardStore';
import { useDatasets } from '../../store/datasets';
import { datasetsOf, useQueue } from '../../store/queue';
import { useRuns } from '../../store/runs';
import { fileStem } from '../../util/fileStem';
import { exportWorker } from '../../workerClients';
import { useConfirmDelete } from '../common/ConfirmDelete';
import { download } from '../common/download';
import { agree, bytes, count, counted } from '../common/format';
import { InlineEdit } from '../common/InlineEdit';

const REPEATS_DONE: Record<RepeatPlacement, string> = {
  'first-copy': ", each kept in its first copy's split",
  drop: ', dropped',
  'by-place': '',
};

function Stats({ d }: { d: DatasetManifest }) {
  const skipped = d.files.reduce((s, f) => s + f.skipped, 0);
  const chats = d.files.reduce((s, f) => s + (f.chats ?? 0), 0);
  const legacy = d.files.filter((f) => f.encoding === 'windows-1252').map((f) => f.name);
  return (
    <span className="muted">
      {counted(d.files.length, 'file')} · {bytes(d.files.reduce((s, f) => s + f.size, 0))} ·{' '}
      {count(d.train.documents)} train / {count(d.validation.documents)} validation documents
      {chats > 0 && ` (${counted(chats, 'conversation')})`} ·{' '}
      <span data-testid="dataset-tokens">{count(d.train.tokens + d.validation.tokens)}</span> tokens
      · vocabulary {count(d.tokenizer.vocab.length)}
      {d.unknownChars > 0 && ` · ${counted(d.unknownChars, 'unknown character')}`}
      {skipped > 0 && ` · ${counted(skipped, 'record')} skipped`}
      {legacy.length > 0 && (
        <span
          data-testid="dataset-encoding"
          title={`${legacy.join(', ')}: not UTF-8, so read as Windows-1252 (Western European, as Excel and older Windows editors save text). Where accented letters look wrong in the samples, save ${agree(legacy.length, 'it', 'them')} as UTF-8 and import again.`}
        >
          {' '}
          · {counted(legacy.length, 'file')} read as Windows-1252, not UTF-8
        </span>
      )}
      {Boolean(d.repeated) && (
        <span
          data-testid="dataset-repeated"
          title="Documents whose tokens equal an earlier document's. Kept in the split of their first copy (the import options' default), they leave the validation loss measured on text the model did not train on."
        >
          {' '}
          · {counted(d.repeated ?? 0, 'repeated document')} (
          {((100 * (d.repeated ?? 0)) / d.files.reduce((n, f) => n + f.documents, 0)).toFixed(1)}
          %){REPEATS_DONE[d.repeats ?? 'by-place']}
        </span>
      )}
      {Boolean(d.crossSplit) && (
        <span className="warn-text" data-testid="dataset-shared">
          {' '}
          · {count(d.crossSplit ?? 0)} of them in the other split from their first copy: the
          validation split shares text with training, and its loss reads low
        </span>
      )}
    </span>
  );
}

/**
 * Downloads the dataset's shards as a zip for train_i3.py (docs/scale-out.md). The export worker
 * streams it from IndexedDB a shard at a time; the page only receives the finished Blob.
 */
function ExportShardsButton({ d }: { d: DatasetManifest }) {
  const [state, setState] = useState<{ busy: boolean; progress?: number; error?: string }>({
    busy: false,
  });
  const run = () => {
    const jobId = crypto.randomUUID();
    const fileName = `${fileStem(d.name)}-shards.zip`;
    const worker = exportWorker();
    setState({ busy: true });
    const stop = worker.listen((e) => {
      if (e.jobId !== jobId) return;
      if (e.type === 'progress') setState({ busy: true, progress: e.written / e.total });
      if (e.type === 'exported' && e.blob) download(e.blob, e.fileName);
      if (e.type === 'failed') setState({ busy: false, error: `Export failed: ${e.message}` });
      if (e.type === 'exported' || e.type === 'cancelled') setState({ busy: false });
      if (e.type === 'exported' || e.type === 'failed' || e.type === 'cancelled') stop();
    });
    worker.post({ type: 'export-shards', jobId, datasetId: d.id, fileName });
  };
  const pct =
    state.progress === undefined ? '' : ` ${Math.min(100, Math.round(state.progress * 100))}%`;
  return (
    <>
      <button
        type="button"
        disabled={state.busy}
        onClick={run}
        title="Token shards and manifest.json for PyTorch (train_i3.py)"
        data-testid="export-shards"
      >
        {state.busy ? `Exporting…${pct}` : 'Export shards'}
      </button>
      {state.error && <span style={{ color: 'var(--bad)' }}> {state.error}</span>}
    </>
  );
}

export function DatasetList() {
  const { datasets, selectedId, select, remove, rename, job } = useDatasets();
  const runs = useRuns((s) => s.runs);
  const liveRunId = useRuns((s) => s.liveRunId);
  // Runs that mixed it into their rows resume only with it: say so before it goes.
  const mixedInto = (id: string) => {
    const n = runs.filter((r) => (r.settings.mixIn ?? []).some((m) => m.datasetId === id)).length;
    return n > 0
      ? ` ${counted(n, 'run')} mixed it into ${agree(n, 'its training rows: it resumes', 'their training rows: they resume')} only with it.`
      : '';
  };
  const queued = useQueue((s) => s.queued);
  const inQueue = (id: string) => {
    const n = queued.filter((r) => datasetsOf(r).includes(id)).length;
    return n > 0
      ? ` ${counted(n, 'queued run')} ${agree(n, 'reads it: it leaves', 'read it: they leave')} the queue.`
      : '';
  };
  // Runs trained on it keep their checkpoints: say what they can still do.
  const trainedOn = (id: string) => {
    const n = runs.filter((r) => r.datasetId === id).length;
    return n > 0
      ? ` ${counted(n, 'run')} trained on it ${agree(n, 'keeps its', 'keep their')} checkpoints, which chat and export without it; ${agree(n, 'it trains', 'they train')} further only on a dataset with the same tokenizer, such as these files imported again with the same settings.`
      : '';
  };
  const [askDelete, deleteDialog] = useConfirmDelete(
    (d: DatasetManifest) => ({
      title: 'Delete this dataset?',
      text: `${d.name}: its ${count(d.train.tokens + d.validation.tokens)} tokens are removed from this browser (your files are not touched).${trainedOn(d.id)}${mixedInto(d.id)}${inQueue(d.id)}`,
    }),
    (d) => {
      useQueue.getState().dropReaders(d.id);
      void remove(d.id);
    },
  );
  if (datasets.length === 0) return <p className="muted">No datasets yet.</p>;
  const live = runs.find((r) => r.id === liveRunId);
  // The live run reads its own dataset and any mixed in.
  const inUse = (id: string) =>
    live !== undefined &&
    (live.datasetId === id || (live.settings.mixIn ?? []).some((m) => m.datasetId === id));
  return (
    <>
      <ul className="card" data-testid="dataset-list" style={{ listStyle: 'none', padding: 0 }}>
        {datasets.map((d) => (
          <li key={d.id} data-testid="dataset" data-status={d.status} style={{ padding: '0.5rem' }}>
            <div className="row" style={{ gap: '0.75rem', flexWrap: 'wrap' }}>
              <strong>
                <InlineEdit
                  value={d.name}
                  onSave={(name) => void rename(d.id, name)}
                  label={`name of the dataset ${d.name}`}
                  testId="dataset-name"
                  editable={d.status === 'complete'}
                  maxLength={120}
                  title="Rename the dataset"
                />
              </strong>
              {d.status === 'importing' ? (
                <span className="muted">
                  Interrupted import: import the same files (or address) again to resume it, or
                  discard it.
                </span>
              ) : (
                <Stats d={d} />
              )}
              <span>
                {d.status === 'complete' && (
                  <button
                    type="button"
                    onClick={() => select(selectedId === d.id ? undefined : d.id)}
                  >
                    {selectedId === d.id ? 'Hide details' : 'Details'}
                  </button>
                )}{' '}
                {d.status === 'complete' && <ExportShardsButton d={d} />}{' '}
                {d.status === 'importing' ? (
                  <button type="button" disabled={Boolean(job)} onClick={() => void remove(d.id)}>
                    Discard
                  </button>
                ) : (
                  <button
                    type="button"
                    className="danger"
                    disabled={Boolean(job) || inUse(d.id)}
                    title={inUse(d.id) ? 'A run is training on it: stop it first.' : undefined}
                    onClick={() => askDelete(d)}
                    data-testid="delete-dataset"
                  >
                    Delete
                  </button>
                )}
              </span>
            </div>
            {d.files.some((f) => f.issues.length > 0) && (
              <details>
                <summary>Skipped records</summary>
                <ul>
                  {d.files.flatMap((f) =>
                    f.issues.map((i) => (
                      <li key={`${f.name}:${i.line}:${i.message}`}>
                        {f.name} line {i.line}: {i.message}
                      </li>
                    )),
                  )}
                </ul>
              </details>
            )}
          </li>
        ))}
      </ul>
      {deleteDialog}
    </>
  );
}

/** Token strings with whitespace made visible. */
