// The Data pane's import: drop or pick files, give web addresses or Hugging Face datasets, or take
// the built-in corpus; the import's options (tokenizer, vocabulary, layout, column, validation
// split, repeated documents), its progress and what it could not read.

import { useEffect } from 'react';
import { filesSubject } from '../../data/fileNames';
import { ACCEPT, SUPPORTED } from '../../data/formats';
import type { ImportProgress } from '../../data/importer';
import type { DownloadProgress } from '../../data/urlDownload';
import type { TokenizerSource } from '../../protocol';
import { useDatasets } from '../../store/datasets';
import { useRuns } from '../../store/runs';
import { AddressForm } from '../common/AddressForm';
import { FileDrop } from '../common/FileDrop';
import { bytes, checkpointName, count, duration } from '../common/format';

export function ImportJobProgress({
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
        <strong>Importing {filesSubject(files)}</strong>
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

export function DropZone() {
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
        folders="nested"
        onFiles={importFiles}
      >
        {(choose, chooseFolder) => (
          <>
            <p>Drop text files or a folder of them here to make one dataset</p>
            <p className="muted">
              {SUPPORTED}. Several files make one dataset; a folder gives the files in it, at any
              depth.
            </p>
            <button type="button" disabled={disabled} onClick={choose}>
              Choose files…
            </button>{' '}
            <button
              type="button"
              disabled={disabled}
              onClick={chooseFolder}
              data-testid="choose-folder"
            >
              Choose a folder…
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
                Lowercase <span className="muted small">(source code keeps its case)</span>
              </label>
            </>
          )}
          <label>
            Text files{' '}
            <select
              value={options.txtMode}
              onChange={(e) => setOptions({ txtMode: e.target.value as typeof options.txtMode })}
            >
              <option value="auto">detect layout (source code: one document per file)</option>
              <option value="lines">one document per line</option>
              <option value="paragraphs">blank-line-separated</option>
              <option value="separated">separated by &lt;|endoftext|&gt;</option>
              <option value="file">one document per file</option>
            </select>
          </label>
          <label>
            Text column or field{' '}
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

/** The files' problems listed one by one: a folder of thousands dropped twice would list them all. */
const SHOWN_PROBLEMS = 20;

/** Buttons that import a file refused for want of a text column again, with one of its columns. */
function ColumnChoice({ file, columns }: { file: string; columns: string[] }) {
  const importColumn = useDatasets((s) => s.importColumn);
  const busy = useDatasets((s) => s.job !== undefined);
  return (
    <span className="column-choice" data-testid="column-choice">
      Import it again with the text in:{' '}
      {columns.map((c) => (
        <button key={c} type="button" disabled={busy} onClick={() => importColumn(file, c)}>
          {c}
        </button>
      ))}
    </span>
  );
}

export function Problems() {
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
          {rejected.slice(0, SHOWN_PROBLEMS).map((r) => (
            <li key={r.file + r.message}>
              {r.message}
              {r.kind === 'column' && r.columns && (
                <ColumnChoice file={r.file} columns={r.columns} />
              )}
            </li>
          ))}
          {rejected.length > SHOWN_PROBLEMS && (
            <li data-testid="rejected-more">
              and {count(rejected.length - SHOWN_PROBLEMS)} more files left out
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

/** What the import did with repeated documents, as the dataset's statistics say it. */
