// Exporting a checkpoint as a Hugging Face bundle: where to save it (Chrome's File System Access
// API, else a download), what it holds (optimizer state, float32 or bfloat16 weights) and its
// progress.

import { bundleFileName } from '../../export/checkpointBundle';
import type { WeightsDtype } from '../../export/tensorDtype';
import { useCheckpoints } from '../../store/checkpoints';
import type { CheckpointSummary } from '../../train/runStore';
import { bytes } from '../common/format';

interface SaveFilePickerOptions {
  suggestedName: string;
  types: { description: string; accept: Record<string, string[]> }[];
}
type SaveFilePicker = (options: SaveFilePickerOptions) => Promise<FileSystemFileHandle>;

/**
 * Asks where to save (Chrome's File System Access API; the call must come from the click), then
 * hands the file to the worker. Without the API, or when it is refused, the worker makes a Blob
 * that is offered as a download.
 */
export async function exportWithPicker(ck: CheckpointSummary): Promise<void> {
  const { exportCheckpoint } = useCheckpoints.getState();
  const fileName = bundleFileName(ck.runName, ck.step);
  const picker = (window as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (!picker) return exportCheckpoint(ck.id, fileName);
  try {
    const handle = await picker({
      suggestedName: fileName,
      types: [{ description: 'Hugging Face bundle', accept: { 'application/zip': ['.zip'] } }],
    });
    exportCheckpoint(ck.id, handle.name, handle);
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    exportCheckpoint(ck.id, fileName);
  }
}

/**
 * What an export holds: the AdamW moments (to train further elsewhere) or the model alone, and
 * the weights in float32 as trained or in bfloat16, half the size, to share the model.
 */
export function ExportOptions() {
  // Selectors, not the whole store: an export's progress events would re-render these too.
  const exportOptimizer = useCheckpoints((s) => s.exportOptimizer);
  const setExportOptimizer = useCheckpoints((s) => s.setExportOptimizer);
  const exportWeights = useCheckpoints((s) => s.exportWeights);
  const setExportWeights = useCheckpoints((s) => s.setExportWeights);
  return (
    <div className="row small export-options">
      <label title="optimizer.safetensors: the AdamW moments, twice the weights' size. Training further (here, with train_i3.py or in PyTorch) continues from them; to share the model alone, leave them out.">
        <input
          type="checkbox"
          checked={exportOptimizer}
          onChange={(e) => setExportOptimizer(e.target.checked)}
          data-testid="export-optimizer"
        />{' '}
        exports carry the optimizer state
      </label>
      <label title="bfloat16 rounds each weight to about 3 significant digits: half the weight files, and the model's loss barely moves (docs/interop.md). Train further from float32.">
        weights{' '}
        <select
          value={exportWeights}
          onChange={(e) => setExportWeights(e.target.value as WeightsDtype)}
          data-testid="export-weights"
        >
          <option value="F32">float32 (as trained)</option>
          <option value="BF16">bfloat16 (half the size, to share)</option>
        </select>
      </label>
    </div>
  );
}

export function ExportProgress() {
  const job = useCheckpoints((s) => s.exportJob);
  const cancel = useCheckpoints((s) => s.cancelExport);
  if (!job) return null;
  // The total leaves out zip headers, so the last few hundred bytes run past it.
  const done = Math.min(job.written, job.total);
  return (
    <section className="card" data-testid="export-progress">
      <div className="row">
        <strong>
          Exporting {job.fileName}
          {job.toFile ? '' : ' (as a download)'}
        </strong>
        <button type="button" onClick={cancel}>
          Cancel
        </button>
      </div>
      <progress className="bar" value={done} max={job.total || 1} aria-label="export progress" />
      <p className="muted small">
        {job.total
          ? `${bytes(job.written)} of about ${bytes(job.total)}`
          : 'Reading the checkpoint…'}
      </p>
    </section>
  );
}

/** An import under way: its files, and for a download the file coming in, with a Cancel. */
