// The Checkpoints pane's state: the export running in the export worker (progress, result) and
// what exports hold (kept over a reload), bundle imports (dropped or from the web), what the worker
// read from checkpoints that have no run (imported ones), and resuming training from any
// checkpoint. The list itself is useRuns' (the train worker adds to it).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { DatasetManifest } from '../data/shardStore';
import type { BundleDownloadProgress } from '../export/bundleDownload';
import type { WeightsDtype } from '../export/tensorDtype';
import type { CheckpointDetails, ExportEvent, RunSpec } from '../protocol';
import type { TrainSettings } from '../train/checkpoint';
import type { CheckpointSummary, RunRecord } from '../train/runStore';
import { download } from '../ui/common/download';
import { bytes, dateTime } from '../ui/common/format';
import { exportWorker, subscribed } from '../workerClients';
import { useDatasets } from './datasets';
import { localStore } from './localStore';
import { continuationSpec, resumeSpec, useRuns } from './runs';
import { useSetup } from './setup';

export interface ExportJob {
  jobId: string;
  checkpointId: string;
  fileName: string;
  /** Written to a file the user picked, rather than offered as a download. */
  toFile: boolean;
  written: number;
  total: number;
}

export interface ImportJob {
  jobId: string;
  /** The dropped files' names, or the address a bundle downloads from. */
  files: string[];
  /** The file coming in, for a bundle from the web. */
  download?: BundleDownloadProgress;
  cancelling?: boolean;
}

export interface Notice {
  kind: 'error' | 'ok';
  text: string;
}

interface CheckpointsState {
  exportJob?: ExportJob;
  importJob?: ImportJob;
  /** Per checkpoint id, once the worker has read it (for checkpoints without a run). */
  details: Record<string, CheckpointDetails>;
  /** Why a checkpoint could not be read (e.g. damaged), per id. */
  problems: Record<string, string>;
  notice?: Notice;
  dismiss: () => void;
  /** Exports carry the optimizer state (to train further elsewhere), or only the model. */
  exportOptimizer: boolean;
  setExportOptimizer: (on: boolean) => void;
  /** The exported weights' element type: float32 as trained, or bfloat16 to share. */
  exportWeights: WeightsDtype;
  setExportWeights: (dtype: WeightsDtype) => void;
  exportCheckpoint: (id: string, fileName: string, target?: FileSystemFileHandle) => void;
  cancelExport: () => void;
  importFiles: (files: File[]) => void;
  /** Downloads and imports the bundle at a web address or a Hugging Face model id. */
  importUrl: (address: string) => void;
  cancelImport: () => void;
  inspect: (id: string) => void;
  /** Trains from a checkpoint: its run resumes, or a new run trains it further (trainsFurther). */
  trainFrom: (id: string) => void;
  /** Deletes the checkpoints one by one, then says how many went and what they freed. */
  remove: (checkpoints: CheckpointSummary[]) => Promise<void>;
  apply: (event: ExportEvent) => void;
}

/** jobId → checkpoint id of the inspections in flight. */
const inspecting = new Map<string, string>();

const worker = subscribed(exportWorker, (e) => useCheckpoints.getState().apply(e));

/** Datasets a checkpoint with this tokenizer can train on, the selected one first. */
export function datasetsFor(
  datasets: DatasetManifest[],
  tokenizerId: string,
  selectedId?: string,
): DatasetManifest[] {
  return datasets
    .filter((d) => d.status === 'complete' && d.tokenizerId === tokenizerId)
    .sort((a, b) => Number(b.id === selectedId) - Number(a.id === selectedId));
}

/**
 * The dataset a new run from a checkpoint trains on: the selected one where it has the
 * checkpoint's tokenizer (new files tokenized for the checkpoint: fine-tuning it), else its run's
 * own, else any stored with that tokenizer.
 */
export function furtherDataset(
  datasets: DatasetManifest[],
  tokenizerId: string,
  ownId: string | undefined,
  selectedId?: string,
): DatasetManifest | undefined {
  const matching = datasetsFor(datasets, tokenizerId);
  return (
    matching.find((d) => d.id === selectedId) ?? matching.find((d) => d.id === ownId) ?? matching[0]
  );
}

/**
 * Whether a new run from a checkpoint starts a schedule of its own (the Model pane's, from the
 * checkpoint's step) rather than stretching its run's: on a dataset other than its run's own
 * (fine-tuning, where the rate its run had decayed to is no guide), or with no run on its data.
 */
export const freshSchedule = (ownId: string | undefined, datasetId: string | undefined) =>
  ownId === undefined || datasetId !== ownId;

/**
 * The tokenizer of a checkpoint, from its run's dataset while that is stored, else from the
 * checkpoint itself (inspect); undefined until known.
 */
export function checkpointTokenizerId(
  run: RunRecord | undefined,
  datasets: DatasetManifest[],
  details?: CheckpointDetails,
): string | undefined {
  return datasets.find((d) => d.id === run?.datasetId)?.tokenizerId ?? details?.tokenizerId;
}

/** The dataset a new run from a checkpoint of `run` (with these details) trains on. */
export function furtherDatasetOf(
  run: RunRecord | undefined,
  stored: { datasets: DatasetManifest[]; selectedId?: string },
  details?: CheckpointDetails,
): DatasetManifest | undefined {
  const tokenizerId = checkpointTokenizerId(run, stored.datasets, details);
  return tokenizerId
    ? furtherDataset(stored.datasets, tokenizerId, run?.datasetId, stored.selectedId)
    : undefined;
}

/** The run a checkpoint belongs to, when that run is still stored. */
export const runOf = (ck: CheckpointSummary) =>
  useRuns.getState().runs.find((r) => r.id === ck.runId);

/**
 * The run a checkpoint's training continues: its own, while that run's dataset is stored complete
 * (or the datasets are not listed yet); undefined otherwise, and then the checkpoint trains further
 * on a dataset with its tokenizer, as an imported one does.
 */
export function runOnItsData(
  run: RunRecord | undefined,
  stored: { datasets: DatasetManifest[]; loaded: boolean },
): RunRecord | undefined {
  if (!run) return undefined;
  const present =
    !stored.loaded ||
    stored.datasets.some((d) => d.id === run.datasetId && d.status === 'complete');
  return present ? run : undefined;
}

/**
 * Whether training from this checkpoint starts a new run rather than resuming its own: it has no
 * run on its run's dataset (`run` as runOnItsData gives it), or it is at the end of its run's
 * schedule.
 */
export const trainsFurther = (ck: CheckpointSummary, run: RunRecord | undefined) =>
  !run || ck.step >= run.settings.schedule.totalSteps;

/**
 * The run that training from a checkpoint starts: its own run resumed (on its own dataset and
 * settings, from the checkpoint's step), or a new run for the Model pane's number of steps beyond
 * it, with its run's settings or else the Model pane's, on the dataset furtherDataset picks
 * (before the datasets are listed, its run's own) and, on data other than its run's own or with
 * no run, on the Model pane's schedule from its step. Undefined where an imported checkpoint has
 * not been read yet, or no stored dataset has its tokenizer.
 */
export function furtherRun(
  ck: CheckpointSummary,
  run: RunRecord | undefined,
  stored: { datasets: DatasetManifest[]; selectedId?: string; loaded: boolean },
  details: CheckpointDetails | undefined,
  settings: TrainSettings,
): { spec: RunSpec; resumes: boolean } | undefined {
  const onItsData = runOnItsData(run, stored);
  if (onItsData && !trainsFurther(ck, onItsData)) {
    return { spec: resumeSpec(onItsData, ck.id), resumes: true };
  }
  const dataset = furtherDatasetOf(run, stored, details);
  let base: Parameters<typeof continuationSpec>[1];
  if (onItsData) {
    base = { ...onItsData, datasetId: dataset?.id ?? onItsData.datasetId };
  } else {
    if (!details || !dataset) return undefined;
    base = {
      config: details.config,
      settings: run?.settings ?? { ...settings, seqLen: details.config.max_seq_len },
      datasetId: dataset.id,
    };
  }
  const fresh = freshSchedule(onItsData?.datasetId, base.datasetId);
  const more = settings.schedule.totalSteps;
  return {
    spec: continuationSpec(ck, base, more, fresh ? settings.schedule : undefined),
    resumes: false,
  };
}

type ExportChoices = Pick<CheckpointsState, 'exportOptimizer' | 'exportWeights'>;

export const useCheckpoints = create<CheckpointsState>()(
  persist(
    (set, get) => ({
      details: {},
      problems: {},
      exportOptimizer: true,
      exportWeights: 'F32',
      dismiss: () => set({ notice: undefined }),

      exportCheckpoint: (id, fileName, target) => {
        if (get().exportJob) return;
        const jobId = crypto.randomUUID();
        set({
          exportJob: {
            jobId,
            checkpointId: id,
            fileName,
            toFile: Boolean(target),
            written: 0,
            total: 0,
          },
          notice: undefined,
        });
        const { exportOptimizer: optimizer, exportWeights: weights } = get();
        worker().post({
          type: 'export',
          jobId,
          checkpointId: id,
          fileName,
          target,
          optimizer,
          weights,
        });
      },

      setExportOptimizer: (exportOptimizer) => set({ exportOptimizer }),
      setExportWeights: (exportWeights) => set({ exportWeights }),

      cancelExport: () => {
        const job = get().exportJob;
        if (job) worker().post({ type: 'cancel', jobId: job.jobId });
      },

      importFiles: (files) => {
        if (get().importJob || files.length === 0) return;
        const jobId = crypto.randomUUID();
        set({ importJob: { jobId, files: files.map((f) => f.name) }, notice: undefined });
        worker().post({ type: 'import', jobId, files });
      },

      importUrl: (address) => {
        if (get().importJob || !address.trim()) return;
        const jobId = crypto.randomUUID();
        set({ importJob: { jobId, files: [address.trim()] }, notice: undefined });
        worker().post({ type: 'import-url', jobId, address });
      },

      cancelImport: () => {
        const job = get().importJob;
        if (!job) return;
        set({ importJob: { ...job, cancelling: true } });
        worker().post({ type: 'cancel', jobId: job.jobId });
      },

      inspect: (id) => {
        if (get().details[id] || get().problems[id] || [...inspecting.values()].includes(id))
          return;
        const jobId = crypto.randomUUID();
        inspecting.set(jobId, id);
        worker().post({ type: 'inspect', jobId, checkpointId: id });
      },

      trainFrom: (id) => {
        const ck = useRuns.getState().checkpoints.find((c) => c.id === id);
        if (!ck) return;
        const stored = useDatasets.getState();
        const further = furtherRun(
          ck,
          runOf(ck),
          stored,
          get().details[id],
          useSetup.getState().settings,
        );
        if (!further) return;
        const { spec, resumes } = further;
        useRuns.getState().start(spec);
        // Before the datasets are listed a run is taken to have its own (runOnItsData): no name yet.
        const name =
          stored.datasets.find((x) => x.id === spec.datasetId)?.name ?? 'its run’s dataset';
        const more = spec.settings.schedule.totalSteps - ck.step;
        set({
          notice: {
            kind: 'ok',
            text: resumes
              ? `${spec.name} resumes from step ${ck.step}: see the Train pane.`
              : `${spec.name} trains ${more} more steps on ${name}: see the Train pane.`,
          },
        });
      },

      remove: async (checkpoints) => {
        let freed = 0;
        for (const ck of checkpoints) {
          try {
            await useRuns.getState().removeCheckpoint(ck.id);
            freed += ck.bytes;
          } catch (e) {
            set({ notice: { kind: 'error', text: `A checkpoint could not be deleted (${e}).` } });
            return;
          }
        }
        const n = checkpoints.length;
        set({
          notice: {
            kind: 'ok',
            text: `Deleted ${n} checkpoint${n === 1 ? '' : 's'}: ${bytes(freed)} freed.`,
          },
        });
      },

      apply: (e) => {
        switch (e.type) {
          case 'progress':
            set((s) =>
              s.exportJob?.jobId === e.jobId
                ? { exportJob: { ...s.exportJob, written: e.written, total: e.total } }
                : {},
            );
            break;
          case 'exported':
            if (get().exportJob?.jobId !== e.jobId) return;
            if (e.blob) download(e.blob, e.fileName);
            set({
              exportJob: undefined,
              notice: {
                kind: 'ok',
                text: e.blob
                  ? `Exported ${e.fileName}: your browser saves it as a download.`
                  : `Exported ${e.fileName}.`,
              },
            });
            break;
          case 'download':
            set((s) =>
              s.importJob?.jobId === e.jobId
                ? { importJob: { ...s.importJob, download: e.progress } }
                : {},
            );
            break;
          case 'imported':
            useRuns.setState((s) => ({ checkpoints: [...s.checkpoints, e.checkpoint] }));
            set((s) => ({
              importJob: undefined,
              details: { ...s.details, [e.checkpoint.id]: e.details },
              notice: {
                kind: 'ok',
                text:
                  `Imported ${e.checkpoint.runName} (step ${e.checkpoint.step}).` +
                  (e.sameAs
                    ? ` It has the same weights as ${e.sameAs}, imported before: delete one if you do not need both.`
                    : ''),
              },
            }));
            break;
          case 'already-imported':
            set({
              importJob: undefined,
              notice: {
                kind: 'ok',
                text: `${e.checkpoint.runName} (step ${e.checkpoint.step}) is already among your checkpoints, imported ${dateTime(e.checkpoint.createdAt)}: nothing was added.`,
              },
            });
            break;
          case 'inspected':
            inspecting.delete(e.jobId);
            set((s) => ({ details: { ...s.details, [e.details.checkpointId]: e.details } }));
            break;
          case 'cancelled':
            if (get().exportJob?.jobId === e.jobId) {
              set({ exportJob: undefined, notice: { kind: 'ok', text: 'Export cancelled.' } });
            } else if (get().importJob?.jobId === e.jobId) {
              set({ importJob: undefined, notice: { kind: 'ok', text: 'Import cancelled.' } });
            }
            break;
          case 'failed': {
            const inspected = inspecting.get(e.jobId);
            if (inspected) {
              inspecting.delete(e.jobId);
              set((s) => ({ problems: { ...s.problems, [inspected]: e.message } }));
              return;
            }
            const { exportJob, importJob } = get();
            // Other panes' jobs (the Data pane's shard exports) share the worker: not ours to show.
            if (exportJob?.jobId === e.jobId) {
              const text = `${exportJob.fileName} was not exported. ${e.message}`;
              set({ exportJob: undefined, notice: { kind: 'error', text } });
            } else if (importJob?.jobId === e.jobId) {
              set({ importJob: undefined, notice: { kind: 'error', text: e.message } });
            }
            break;
          }
        }
      },
    }),
    {
      // What exports hold is a standing choice: it is kept over a reload.
      name: 'i3-studio-exports',
      version: 1,
      storage: localStore<ExportChoices>(),
      partialize: ({ exportOptimizer, exportWeights }) => ({ exportOptimizer, exportWeights }),
    },
  ),
);
