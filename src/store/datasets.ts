// Datasets as the UI sees them: the manifests in IndexedDB, the import running in the ingest
// worker (progress, cancel), the files it refused and why, and the options of the next import.
// The worker writes the database; this store reads it (list, samples) and deletes datasets.

import { create } from 'zustand';
import { withoutCompression } from '../data/compression';
import { hubDatasetRef } from '../data/hubDataset';
import { IdbShardStore } from '../data/idbShardStore';
import type { ImportProgress } from '../data/importer';
import type { DatasetManifest } from '../data/shardStore';
import { type DownloadProgress, fileNameOf } from '../data/urlDownload';
import { DEFAULT_VOCAB_SIZE } from '../model/config';
import type { IngestEvent, IngestFileProblem, IngestOptions } from '../protocol';
import { counted } from '../ui/common/format';
import { ingestWorker, subscribed } from '../workerClients';

const DEFAULT_DATASET_FILE = 'default-corpus.txt.gz';
export const DEFAULT_DATASET_URL = `${import.meta.env.BASE_URL}data/${DEFAULT_DATASET_FILE}`;
export const DEFAULT_DATASET_NAME = 'nlp-corpus (built-in)';

/**
 * Whether a dataset is the built-in corpus, under any name it has been given: by its one file's
 * name (with or without .gz: a server may send it inflated, urlDownload.ts).
 */
export const isBuiltIn = (d: DatasetManifest) =>
  d.files.length === 1 &&
  withoutCompression(d.files[0].name) === withoutCompression(DEFAULT_DATASET_FILE);

export interface ImportJob {
  id: string;
  files: string[];
  /** A file the worker downloads before it imports it. */
  download?: DownloadProgress;
  progress?: ImportProgress;
  cancelling: boolean;
}

interface DatasetsState {
  datasets: DatasetManifest[];
  loaded: boolean;
  job?: ImportJob;
  /** Files the last import left out, with the reasons. */
  rejected: IngestFileProblem[];
  /** The outcome of the last import or action, for a banner in place. */
  notice?: { kind: 'error' | 'ok'; text: string };
  options: IngestOptions;
  /** What the last import read (files, or web addresses), for importColumn to read again. */
  lastSource?: { files: File[] } | { addresses: string; name?: string };
  selectedId?: string;
  load: () => Promise<void>;
  importFiles: (files: File[], name?: string, column?: string) => void;
  /**
   * Imports again, with this text column, the file of the last import that was refused for want
   * of one (the archive or web addresses it came from), leaving the options' column as it is.
   */
  importColumn: (file: string, column: string) => void;
  /** Downloads the file at the URL in the worker, then imports it. */
  /** Downloads the files at `addresses` (separated by white space) and imports them as one dataset. */
  importUrl: (addresses: string, name?: string, column?: string) => void;
  importDefault: () => void;
  cancel: () => void;
  remove: (id: string) => Promise<void>;
  /** Renames a stored dataset (its manifest in IndexedDB). */
  rename: (id: string, name: string) => Promise<void>;
  select: (id: string | undefined) => void;
  setOptions: (o: Partial<IngestOptions>) => void;
  apply: (e: IngestEvent) => void;
}

let storePromise: Promise<IdbShardStore> | undefined;
const store = () => {
  storePromise ??= IdbShardStore.open();
  return storePromise;
};

const ingest = subscribed(ingestWorker, (e) => useDatasets.getState().apply(e));

const byDate = (a: DatasetManifest, b: DatasetManifest) => b.createdAt - a.createdAt;

/** The selected dataset where it is stored complete: the one runs, sweeps and evaluations use. */
export const selectedDataset = (s: Pick<DatasetsState, 'datasets' | 'selectedId'>) =>
  s.datasets.find((d) => d.id === s.selectedId && d.status === 'complete');

export const useDatasets = create<DatasetsState>((set, get) => ({
  datasets: [],
  loaded: false,
  rejected: [],
  options: {
    vocabSize: DEFAULT_VOCAB_SIZE,
    lowercase: true,
    txtMode: 'auto',
    column: '',
    validationEvery: 20,
    repeats: 'first-copy',
  },

  load: async () => {
    const list = (await (await store()).listManifests()).sort(byDate);
    // Keep the user's choice; otherwise offer the newest dataset that can be trained on.
    const selectedId = get().selectedId ?? list.find((d) => d.status === 'complete')?.id;
    set({ datasets: list, loaded: true, selectedId });
  },

  importFiles: (files, name, column) => {
    if (get().job || files.length === 0) return;
    const id = crypto.randomUUID();
    const options: IngestOptions = {
      ...get().options,
      name,
      column: column ?? get().options.column,
    };
    set({
      job: { id, files: files.map((f) => f.name), cancelling: false },
      rejected: [],
      notice: undefined,
      lastSource: { files },
    });
    ingest().post({ type: 'import', jobId: id, files, options });
  },

  importColumn: (file, column) => {
    const source = get().lastSource;
    if (!source) return;
    if ('addresses' in source) {
      get().importUrl(source.addresses, source.name, column);
      return;
    }
    // The file itself, or the archive or folder it was found in.
    const files = source.files.filter((f) => file === f.name || file.startsWith(`${f.name}/`));
    get().importFiles(files, undefined, column);
  },

  importUrl: (text, name, column) => {
    if (get().job) return;
    const given = text.split(/\s+/).filter(Boolean);
    const refs = given.map(hubDatasetRef);
    const bad = given.find((a, i) => !refs[i] && !URL.canParse(a, location.href));
    if (given.length === 0 || bad !== undefined) {
      set({ notice: { kind: 'error', text: `"${bad ?? text}" is not a web address.` } });
      return;
    }
    const id = crypto.randomUUID();
    // A relative address (the built-in corpus) is the page's: the worker's base is another. A Hub
    // dataset's id goes as it is.
    const addresses = given.map((a, i) => (refs[i] ? a : new URL(a, location.href).href));
    set({
      job: {
        id,
        files: addresses.map((a, i) => refs[i]?.id ?? fileNameOf(a)),
        download: { received: 0 },
        cancelling: false,
      },
      rejected: [],
      notice: undefined,
      lastSource: { addresses: text, name },
    });
    ingest().post({
      type: 'import-url',
      jobId: id,
      addresses,
      options: { ...get().options, name, column: column ?? get().options.column },
    });
  },

  importDefault: () => get().importUrl(DEFAULT_DATASET_URL, DEFAULT_DATASET_NAME),

  cancel: () => {
    const job = get().job;
    if (!job) return;
    set({ job: { ...job, cancelling: true } });
    ingest().post({ type: 'cancel', jobId: job.id });
  },

  remove: async (id) => {
    await (await store()).deleteDataset(id);
    set((s) => ({
      datasets: s.datasets.filter((d) => d.id !== id),
      selectedId: s.selectedId === id ? undefined : s.selectedId,
    }));
  },

  rename: async (id, name) => {
    const trimmed = name.trim();
    const db = await store();
    const m = await db.getManifest(id);
    if (!trimmed || m?.status !== 'complete') return;
    try {
      await db.putManifest({ ...m, name: trimmed });
    } catch (e) {
      set({
        notice: { kind: 'error', text: `The dataset was not renamed: ${(e as Error).message}` },
      });
      return;
    }
    set((s) => ({ datasets: s.datasets.map((d) => (d.id === id ? { ...d, name: trimmed } : d)) }));
  },

  select: (id) => set({ selectedId: id }),

  setOptions: (o) => set((s) => ({ options: { ...s.options, ...o } })),

  apply: (e) => {
    const job = get().job;
    if (!job || e.jobId !== job.id) return;
    if (e.type === 'download') {
      set({ job: { ...job, download: e.progress } });
      return;
    }
    if (e.type === 'progress') {
      set({ job: { ...job, download: undefined, progress: e.progress } });
      return;
    }
    if (e.type === 'done') {
      const m = e.manifest;
      set((s) => ({
        job: undefined,
        rejected: e.rejected,
        datasets: [m, ...s.datasets.filter((d) => d.id !== m.id)].sort(byDate),
        selectedId: m.id,
        notice: {
          kind: 'ok',
          text: `Imported "${m.name}": ${counted(m.train.documents + m.validation.documents, 'document')}, ${counted(m.train.tokens + m.validation.tokens, 'token')}.`,
        },
      }));
      return;
    }
    // Each file's reason is listed under the notice, which then says only what came of it.
    const n = e.rejected.length;
    const text =
      e.kind === 'no-files' && n > 0
        ? `Nothing to import: ${n === 1 ? 'the file cannot' : `none of the ${n} files can`} be used, for the reason${n === 1 ? '' : 's'} below.`
        : e.message;
    set({ job: undefined, rejected: e.rejected, notice: { kind: 'error', text } });
    // A failed import may have left (or resumed) an 'importing' dataset: show the truth.
    void get().load();
  },
}));
