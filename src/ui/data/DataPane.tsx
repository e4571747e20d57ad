// The Data pane: drop or pick files (or give a file's web address, or take the built-in corpus),
// watch the import, browse the stored datasets with their statistics and document lengths, and
// look at sample documents and their tokens.

import { selectedDataset, useDatasets } from '../../store/datasets';
import { useSetup } from '../../store/setup';
import { LengthHistogram } from '../charts/LengthHistogram';
import { DatasetList } from './DatasetList';
import { Samples } from './DatasetSamples';
import { DropZone, ImportJobProgress, Problems } from './ImportForm';
import { QuickStart } from './QuickStart';

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
        <ImportJobProgress
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
