// Importing a bundle as a checkpoint: dropped or picked files (its .zip, or its files together), or
// a model on the web, with the import's progress and a Cancel.

import { type ImportJob, useCheckpoints } from '../../store/checkpoints';
import { AddressForm } from '../common/AddressForm';
import { FileDrop } from '../common/FileDrop';
import { bytes } from '../common/format';

const ACCEPT = '.zip,.json,.safetensors,.bin,.csv,.py,.md,.svg';

function ImportProgress({ job }: { job: ImportJob }) {
  const cancel = useCheckpoints((s) => s.cancelImport);
  const d = job.download;
  if (!d) return <p data-testid="import-progress">Importing {job.files.join(', ')}…</p>;
  return (
    <div data-testid="import-progress" aria-live="polite">
      <p>
        Downloading {d.file} from {job.files[0]}: {bytes(d.received)}
        {d.total ? ` of ${bytes(d.total)}` : ''}{' '}
        <button
          type="button"
          onClick={cancel}
          disabled={job.cancelling}
          data-testid="import-cancel"
        >
          {job.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </p>
      <progress value={d.total ? d.received / d.total : undefined} max={1} />
    </div>
  );
}

export function ImportZone() {
  const importFiles = useCheckpoints((s) => s.importFiles);
  const importUrl = useCheckpoints((s) => s.importUrl);
  const job = useCheckpoints((s) => s.importJob);
  return (
    <>
      <FileDrop
        label="Drop a Hugging Face bundle to import"
        testId="bundle-dropzone"
        inputTestId="bundle-file-input"
        accept={ACCEPT}
        className="bundle-drop"
        folders="top"
        disabled={Boolean(job)}
        onFiles={importFiles}
      >
        {(choose, chooseFolder) => (
          <>
            <p>Drop an i3 Hugging Face bundle here: its .zip, its folder, or its files together.</p>
            <p className="muted small">
              It is checked against the i3 spec (config, tensor names and shapes, tokenizer) and
              stored as a checkpoint you can chat with or train further.
            </p>
            {job ? (
              <ImportProgress job={job} />
            ) : (
              <>
                <button type="button" onClick={choose}>
                  Choose files…
                </button>{' '}
                <button type="button" onClick={chooseFolder} data-testid="bundle-choose-folder">
                  Choose a folder…
                </button>
              </>
            )}
          </>
        )}
      </FileDrop>
      <AddressForm
        onAddress={importUrl}
        disabled={Boolean(job)}
        placeholder="or a model on the web: owner/name on Hugging Face, or the address of a bundle's .zip or folder"
        label="address of a bundle to import"
        testId="bundle-url"
      />
    </>
  );
}
