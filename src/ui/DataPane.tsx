// The Data pane: drop or pick files (or give a file's web address, or take the built-in corpus),
// watch the import, browse the stored datasets with their statistics and document lengths, and
// look at sample documents and their tokens.

import { useEffect, useMemo, useState } from 'react';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { SUPPORTED } from '../data/formats';
import type { ImportProgress } from '../data/importer';
import type { DatasetManifest, RepeatPlacement } from '../data/shardStore';
import type { DownloadProgress } from '../data/urlDownload';
import type { TokenizerSource } from '../protocol';
import { selectedDataset, useDatasets } from '../store/datasets';
import { datasetsOf, useQueue } from '../store/queue';
import { useRuns } from '../store/runs';
import { useSetup } from '../store/setup';
import { exportWorker } from '../workerClients';
import { AddressForm } from './AddressForm';
import { useConfirmDelete } from './ConfirmDelete';
import { LengthHistogram } from './charts/LengthHistogram';
import { download, fileStem } from './download';
import { FileDrop } from './FileDrop';
import { bytes, checkpointName, count, duration } from './format';
import { QuickStart } from './QuickStart';

const ACCEPT = '.txt,.text,.md,.jsonl,.ndjson,.json,.csv,.tsv,.parquet,.gz,.zst,.zip';

function Progress({
  p,
  download,
  files,
  cancelling,
}: {
  p?: ImportProgress;
  download?: DownloadProgress;
  files: string[];
  cancelling: boolean;
}) {
  const cancel = useDatasets((s) => s.cancel);
  const frac = download
    ? Math.min(1, download.received / (download.total ?? Number.POSITIVE_INFINITY))
    : p
      ? p.bytesDone / Math.max(1, p.bytesTotal)
      : 0;
  return (
    <section className="card" data-testid="import-progress" aria-live="polite">
      <div className="row">
        <strong>Importing {files.join(', ')}</strong>
        <button type="button" onClick={cancel} disabled={cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <progress value={frac} max={1} style={{ width: '100%' }} />
      {download ? (
        <div className="muted" data-testid="download-progress">
          Downloading
          {download.of !== undefined && download.of > 1
            ? ` ${download.file} (${(download.index ?? 0) + 1} of ${download.of})`
            : ''}{' '}
          · {bytes(download.received)}
          {download.total ? ` of ${bytes(download.total)}` : ''}
        </div>
      ) : p ? (
        <div className="muted">
          {p.phase === 'scan' ? 'Pass 1/2: reading and counting' : 'Pass 2/2: tokenizing'} ·{' '}
          {p.file} · {bytes(p.bytesDone / 2)} of {bytes(p.bytesTotal / 2)} per pass ·{' '}
          {count(p.documents)} documents · {count(p.tokens)} tokens · {bytes(p.bytesPerSecond)}/s ·
          ETA {duration(p.etaSeconds)}
        </div>
      ) : (
        <div className="muted">Starting…</div>
      )}
    </section>
  );
}

/** A borrowed tokenizer's select value: "dataset:<id>" or "checkpoint:<id>". */
const sourceValue = (s?: TokenizerSource) => (s ? `${s.kind}:${s.id}` : '');

function sourceOf(value: string): TokenizerSource | undefined {
  const at = value.indexOf(':');
  const kind = value.slice(0, at);
  if (kind !== 'dataset' && kind !== 'checkpoint') return undefined;
  return { kind, id: value.slice(at + 1) };
}

/**
 * The import's tokenizer: a new one trained on its files, or one borrowed from a stored dataset
 * or checkpoint (src/data/tokenizerSource.ts), so that a model already trained can train further
 * on the new files. Checkpoints are offered where no stored dataset has their tokenizer: imported
 * ones, and those whose run's dataset is gone.
 */
function TokenizerChoice() {
  const { datasets, options, setOptions } = useDatasets();
  const { checkpoints, runs } = useRuns();
  const complete = datasets.filter((d) => d.status === 'complete');
  const orphans = checkpoints.filter((ck) => {
    const datasetId = runs.find((r) => r.id === ck.runId)?.datasetId;
    return !complete.some((d) => d.id === datasetId);
  });
  const offered = [
    ...complete.map((d) => sourceValue({ kind: 'dataset', id: d.id })),
    ...orphans.map((ck) => sourceValue({ kind: 'checkpoint', id: ck.id })),
  ];
  const chosen = sourceValue(options.tokenizerFrom);
  const stale = chosen !== '' && !offered.includes(chosen);
  // A source deleted since it was chosen: the import trains a new tokenizer again.
  useEffect(() => {
    if (stale) setOptions({ tokenizerFrom: undefined });
  }, [stale, setOptions]);
  return (
    <label>
      Tokenizer{' '}
      <select
        value={stale ? '' : chosen}
        onChange={(e) => setOptions({ tokenizerFrom: sourceOf(e.target.value) })}
        data-testid="import-tokenizer"
      >
        <option value="">a new one, trained on these files</option>
        {complete.length > 0 && (
          <optgroup label="that of a dataset (and of the runs trained on it)">
            {complete.map((d) => (
              <option key={d.id} value={sourceValue({ kind: 'dataset', id: d.id })}>
                {d.name} ({count(d.tokenizer.vocab.length)} tokens)
              </option>
            ))}
          </optgroup>
        )}
        {orphans.length > 0 && (
          <optgroup label="that of a checkpoint, to train it further on these files">
            {orphans.map((ck) => (
              <option key={ck.id} value={sourceValue({ kind: 'checkpoint', id: ck.id })}>
                {checkpointName(ck)}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}

function DropZone() {
  const { importFiles, importUrl, importDefault, job, options, setOptions } = useDatasets();
  const disabled = Boolean(job);
  const borrowed = options.tokenizerFrom !== undefined;
  return (
    <section className="card">
      <FileDrop
        label="Drop files to import"
        testId="dropzone"
        inputTestId="file-input"
        accept={ACCEPT}
        disabled={disabled}
        onFiles={importFiles}
      >
        {(choose) => (
          <>
            <p>Drop text files here to make one dataset</p>
            <p className="muted">{SUPPORTED}. Several files make one dataset.</p>
            <button type="button" disabled={disabled} onClick={choose}>
              Choose files…
            </button>{' '}
            <button
              type="button"
              disabled={disabled}
              onClick={importDefault}
              data-testid="import-default"
            >
              Use the built-in English corpus
            </button>
          </>
        )}
      </FileDrop>
      <AddressForm
        onAddress={importUrl}
        disabled={disabled}
        placeholder="or a Hugging Face dataset (owner/name, or its page), or a file's address: several, with spaces between, make one dataset"
        label="Hugging Face datasets or addresses of files to import"
        testId="import-url"
      />
      <details>
        <summary>
          Import options
          {borrowed && (
            <span className="muted small" data-testid="import-tokenizer-note">
              {' '}
              · a borrowed tokenizer
            </span>
          )}
        </summary>
        <div className="row" style={{ flexWrap: 'wrap', gap: '1rem' }}>
          <TokenizerChoice />
          {/* A borrowed tokenizer brings its own vocabulary and case. */}
          {!borrowed && (
            <>
              <label>
                Vocabulary size{' '}
                <input
                  type="number"
                  min={64}
                  max={65536}
                  value={options.vocabSize}
                  onChange={(e) => setOptions({ vocabSize: Number(e.target.value) })}
                />
              </label>
              <label>
                <input
                  type="checkbox"
                  checked={options.lowercase}
                  onChange={(e) => setOptions({ lowercase: e.target.checked })}
                />{' '}
                Lowercase
              </label>
            </>
          )}
          <label>
            Text files{' '}
            <select
              value={options.txtMode}
              onChange={(e) => setOptions({ txtMode: e.target.value as typeof options.txtMode })}
            >
              <option value="auto">detect layout</option>
              <option value="lines">one document per line</option>
              <option value="paragraphs">blank-line-separated</option>
            </select>
          </label>
          <label>
            CSV/parquet column{' '}
            <input
              placeholder="text"
              value={options.column ?? ''}
              onChange={(e) => setOptions({ column: e.target.value })}
            />
          </label>
          <label>
            Validation: every{' '}
            <input
              type="number"
              min={2}
              value={options.validationEvery}
              onChange={(e) => setOptions({ validationEvery: Math.max(2, Number(e.target.value)) })}
            />{' '}
            th document
          </label>
          <label title="A document whose tokens equal an earlier one's: kept with its first copy, no text is in both splits and the validation loss measures text the model did not train on">
            Repeated documents{' '}
            <select
              value={options.repeats}
              onChange={(e) => setOptions({ repeats: e.target.value as typeof options.repeats })}
              data-testid="import-repeats"
            >
              <option value="first-copy">in their first copy's split</option>
              <option value="drop">dropped</option>
              <option value="by-place">by their place, as the rest</option>
            </select>
          </label>
        </div>
      </details>
    </section>
  );
}

function Problems() {
  const { rejected, notice } = useDatasets();
  if (!notice && rejected.length === 0) return null;
  return (
    <section data-testid="import-messages">
      {notice && (
        <div className={notice.kind === 'error' ? 'banner error' : 'banner'} role="status">
          {notice.text}
        </div>
      )}
      {rejected.length > 0 && (
        <ul className="card problems" data-testid="rejected-files">
          {rejected.map((r) => (
            <li key={r.file + r.message}>{r.message}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What the import did with repeated documents, as the dataset's statistics say it. */
const REPEATS_DONE: Record<RepeatPlacement, string> = {
  'first-copy': ", each kept in its first copy's split",
  drop: ', dropped',
  'by-place': '',
};

function Stats({ d }: { d: DatasetManifest }) {
  const skipped = d.files.reduce((s, f) => s + f.skipped, 0);
  const chats = d.files.reduce((s, f) => s + (f.chats ?? 0), 0);
  return (
    <span className="muted">
      {d.files.length} file{d.files.length === 1 ? '' : 's'} ·{' '}
      {bytes(d.files.reduce((s, f) => s + f.size, 0))} · {count(d.train.documents)} train /{' '}
      {count(d.validation.documents)} validation documents
      {chats > 0 && ` (${count(chats)} conversations)`} ·{' '}
      <span data-testid="dataset-tokens">{count(d.train.tokens + d.validation.tokens)}</span> tokens
      · vocabulary {count(d.tokenizer.vocab.length)}
      {d.unknownChars > 0 && ` · ${count(d.unknownChars)} unknown characters`}
      {skipped > 0 && ` · ${count(skipped)} records skipped`}
      {Boolean(d.repeated) && (
        <span
          data-testid="dataset-repeated"
          title="Documents whose tokens equal an earlier document's. Kept in the split of their first copy (the import options' default), they leave the validation loss measured on text the model did not train on."
        >
          {' '}
          · {count(d.repeated ?? 0)} repeated documents (
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

function DatasetList() {
  const { datasets, selectedId, select, remove, job } = useDatasets();
  const runs = useRuns((s) => s.runs);
  const liveRunId = useRuns((s) => s.liveRunId);
  // Runs that mixed it into their rows resume only with it: say so before it goes.
  const mixedInto = (id: string) => {
    const n = runs.filter((r) => (r.settings.mixIn ?? []).some((m) => m.datasetId === id)).length;
    return n > 0
      ? ` ${count(n)} run(s) mixed it into their training rows: they resume only with it.`
      : '';
  };
  const queued = useQueue((s) => s.queued);
  const inQueue = (id: string) => {
    const n = queued.filter((r) => datasetsOf(r).includes(id)).length;
    return n > 0 ? ` ${count(n)} queued run(s) read it: they leave the queue.` : '';
  };
  const [askDelete, deleteDialog] = useConfirmDelete(
    (d: DatasetManifest) => ({
      title: 'Delete this dataset?',
      text: `${d.name}: its ${count(d.train.tokens + d.validation.tokens)} tokens are removed from this browser (your files are not touched). The ${count(runs.filter((r) => r.datasetId === d.id).length)} run(s) trained on it keep their checkpoints, which chat and export without it; they train further only on a dataset with the same tokenizer, such as these files imported again with the same settings.${mixedInto(d.id)}${inQueue(d.id)}`,
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
              <strong data-testid="dataset-name">{d.name}</strong>
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
const visible = (t: string) => t.replaceAll(' ', '·').replaceAll('\n', '⏎').replaceAll('\t', '⇥');

/** A text's tokens under a tokenizer, as chips (whitespace made visible), with the counts. */
function TokenChips({
  tokenizer,
  text,
  testId,
}: {
  tokenizer: ChunkTokenizer;
  text: string;
  testId: string;
}) {
  const ids = useMemo(() => tokenizer.encode(text), [tokenizer, text]);
  const names = tokenizer.tokens(ids);
  const chars = [...text].length;
  return (
    <>
      <p className="muted" data-testid={`${testId}-count`}>
        {count(ids.length)} tokens for {count(chars)} characters
        {ids.length > 0 && ` (${(chars / ids.length).toFixed(2)} characters a token)`}
      </p>
      <div data-testid={testId} className="sample-tokens">
        {names.map((t, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: tokens repeat; the position is the identity
          <span key={k} title={`id ${ids[k]}`}>
            {visible(t)}
          </span>
        ))}
      </div>
    </>
  );
}

/**
 * The longest text of the user's that the sample viewer tokenizes: it does so on the page at each
 * keystroke and draws a chip a token, so a pasted book would stall it (samples are cut as long).
 */
const OWN_TEXT_CHARS = 2000;

function Samples({ d }: { d: DatasetManifest }) {
  const tokenizer = useMemo(() => ChunkTokenizer.fromJSON(d.tokenizer), [d.tokenizer]);
  const [i, setI] = useState(0);
  const [own, setOwn] = useState('');
  const text = d.samples[Math.min(i, d.samples.length - 1)] ?? '';
  return (
    <section className="card" data-testid="sample-viewer">
      <div className="row">
        <strong>
          Sample {i + 1} of {d.samples.length}
        </strong>
        <span>
          <button type="button" disabled={i === 0} onClick={() => setI(i - 1)}>
            Previous
          </button>{' '}
          <button type="button" disabled={i >= d.samples.length - 1} onClick={() => setI(i + 1)}>
            Next
          </button>
        </span>
      </div>
      <pre style={{ whiteSpace: 'pre-wrap' }}>{text}</pre>
      <TokenChips tokenizer={tokenizer} text={text} testId="sample-tokens" />
      <details className="own-text">
        <summary>Your own text, as this dataset's tokenizer reads it</summary>
        <textarea
          className="chat-input"
          rows={2}
          value={own}
          maxLength={OWN_TEXT_CHARS}
          placeholder={`Type or paste any text (up to ${count(OWN_TEXT_CHARS)} characters)`}
          aria-label="text to tokenize"
          onChange={(e) => setOwn(e.target.value)}
          data-testid="own-text"
        />
        <TokenChips tokenizer={tokenizer} text={own} testId="own-tokens" />
      </details>
    </section>
  );
}

export function DataPane() {
  // The list is loaded once at start (App); imports and deletions keep it current.
  const job = useDatasets((s) => s.job);
  const selected = useDatasets(selectedDataset);
  const context = useSetup((s) => s.config.max_seq_len);
  return (
    <div className="data-pane">
      <QuickStart />
      <DropZone />
      {job && (
        <Progress
          p={job.progress}
          download={job.download}
          files={job.files}
          cancelling={job.cancelling}
        />
      )}
      <Problems />
      <h2>Datasets</h2>
      <DatasetList />
      {selected?.lengths && (
        <section className="card">
          <LengthHistogram lengths={selected.lengths} context={context} />
        </section>
      )}
      {selected && <Samples d={selected} />}
    </div>
  );
}
