// The storage meter of the top bar: what the studio keeps in this browser against what the
// browser grants, and a way to ask the browser to keep the data (otherwise it may clear a site's
// storage when the disk runs low), and a banner when it declines.
import { useEffect } from 'react';
import { useDatasets } from '../../store/datasets';
import { useRuns } from '../../store/runs';
import { useStorage } from '../../store/storage';
import { bytes } from '../common/format';

export function StorageStatus() {
  const { usage, quota, persisted, refresh, persist } = useStorage();
  // What is stored changes when a dataset, run or checkpoint comes or goes, and as an import
  // writes its shards (one a mebi-token).
  const datasets = useDatasets((s) => s.datasets.length);
  const shards = useDatasets((s) => Math.floor((s.job?.progress?.tokens ?? -1) / 2 ** 20));
  const runs = useRuns((s) => s.runs.length);
  const checkpoints = useRuns((s) => s.checkpoints.length);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again whenever those change
  useEffect(() => {
    void refresh();
  }, [refresh, datasets, shards, runs, checkpoints]);

  if (usage === undefined || quota === undefined) return null;
  return (
    <div
      className="storage-status"
      data-testid="storage-status"
      data-usage={usage}
      data-persisted={persisted ? 'yes' : 'no'}
    >
      <span
        title={`This browser lets the studio store up to ${bytes(quota)} on this computer: datasets, runs and checkpoints.`}
      >
        {bytes(usage)} of {bytes(quota)} stored
      </span>
      {/* Amber past 90%: the next import or checkpoint may not fit. */}
      <meter
        min={0}
        max={1}
        high={0.9}
        value={quota ? usage / quota : 0}
        aria-label="storage used"
      />
      {persisted ? (
        <span
          className="muted"
          title="The browser keeps this data until you delete it, even when the disk runs low."
        >
          kept
        </span>
      ) : (
        <button
          type="button"
          className="small"
          data-testid="persist-storage"
          title="The browser may clear this site's data when the disk runs low. Ask it to keep the datasets, runs and checkpoints."
          onClick={() => void persist()}
        >
          Keep data
        </button>
      )}
    </div>
  );
}

/** The banner under the top bar when the browser declined to keep the data. */
export function StorageNotices() {
  const declined = useStorage((s) => s.declined);
  if (!declined) return null;
  return (
    <div className="banner warn" data-testid="persist-declined">
      The browser declined to keep the studio's data: it may clear it when the disk runs low.
      Bookmarking or installing the studio helps Chrome grant it; meanwhile export the checkpoints
      you want to keep (Checkpoints pane).
    </div>
  );
}
