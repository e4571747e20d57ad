// The Checkpoints pane: every stored checkpoint (trained or imported) with its loss, size and the
// sample its weights wrote, each run's best marked; resume training from it, chat with it, export
// it as a Hugging Face bundle (.zip, written by the export worker), delete it (or all but each
// run's latest and best) after a confirmation; and a drop zone that imports a bundle.

import { useCheckpoints } from '../../store/checkpoints';
import { ExportProgress } from './BundleExport';
import { ImportZone } from './BundleImport';
import { CheckpointList } from './CheckpointList';

function Notice() {
  const notice = useCheckpoints((s) => s.notice);
  const dismiss = useCheckpoints((s) => s.dismiss);
  if (!notice) return null;
  return (
    <div
      className={notice.kind === 'error' ? 'banner error' : 'banner'}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="checkpoints-notice"
      data-kind={notice.kind}
    >
      {notice.text}{' '}
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

export function CheckpointsPane() {
  return (
    <div className="checkpoints-pane">
      <Notice />
      <ExportProgress />
      <CheckpointList />
      <section className="card">
        <h2>Import a bundle</h2>
        <ImportZone />
      </section>
    </div>
  );
}
