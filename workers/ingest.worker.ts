// The ingest worker: imports dropped files, or files it downloads from URLs, into IndexedDB off
// the UI thread (src/data/importer: scan pass, tokenizer, tokenize pass, shards), posting
// progress; one job at a time, cancellable.

import { openImportFiles } from '../src/data/folderImport';
import {
  hubDatasetFiles,
  hubDatasetName,
  hubDatasetRef,
  hubFileName,
} from '../src/data/hubDataset';
import { IdbShardStore } from '../src/data/idbShardStore';
import {
  ImportError,
  importDataset,
  interruptedImport,
  type KnownFile,
} from '../src/data/importer';
import type { FileError } from '../src/data/textStream';
import { tokenizerOf } from '../src/data/tokenizerSource';
import { type DownloadProgress, downloadFile, fileNameOf } from '../src/data/urlDownload';
import type { IngestEvent, IngestFileProblem, IngestRequest } from '../src/protocol';
import { getCheckpointBytes } from '../src/train/runStore';

const post = (e: IngestEvent) => self.postMessage(e);
const problems = (errors: FileError[]): IngestFileProblem[] =>
  errors.map((e) => ({ file: e.file, kind: e.kind, message: e.message, columns: e.columns }));

let storePromise: Promise<IdbShardStore> | undefined;
const jobs = new Map<string, AbortController>();

/** A download of the import: its address and, where the import names it so, the file's name. */
interface Download {
  url: string;
  name?: string;
}

/**
 * What an import-url downloads: each address's file, and for a Hugging Face dataset (hubDataset.ts)
 * the Parquet files of its split. An import of one Hub dataset is named for it.
 */
async function downloadsOf(
  addresses: string[],
  signal: AbortSignal,
): Promise<{ downloads: Download[]; name?: string }> {
  const downloads: Download[] = [];
  let name: string | undefined;
  for (const address of addresses) {
    const ref = hubDatasetRef(address);
    if (!ref) {
      downloads.push({ url: address });
      continue;
    }
    const d = await hubDatasetFiles(ref, { signal });
    for (const f of d.files) downloads.push({ url: f.url, name: hubFileName(d, f) });
    if (addresses.length === 1) name = hubDatasetName(d);
  }
  return { downloads, name };
}

/**
 * The files at an import-url's addresses, downloaded one after another with their progress, and
 * the dataset's name where the addresses give it one.
 */
async function downloadAll(
  req: Extract<IngestRequest, { type: 'import-url' }>,
  signal: AbortSignal,
): Promise<{ files: File[]; name?: string }> {
  const { downloads, name } = await downloadsOf(req.addresses, signal);
  const files: File[] = [];
  for (const [index, download] of downloads.entries()) {
    const file = download.name ?? fileNameOf(download.url);
    const onProgress = (p: DownloadProgress) =>
      post({
        type: 'download',
        jobId: req.jobId,
        progress: { ...p, file, index, of: downloads.length },
      });
    const got = await downloadFile(download.url, { signal, onProgress });
    // Renamed as a File of the same blob: nothing is copied.
    files.push(download.name ? new File([got], download.name, { type: got.type }) : got);
  }
  return { files, name };
}

async function run(req: Exclude<IngestRequest, { type: 'cancel' }>): Promise<void> {
  const ctrl = new AbortController();
  jobs.set(req.jobId, ctrl);
  const { options } = req;
  try {
    storePromise ??= IdbShardStore.open();
    const store = await storePromise;
    // A tokenizer that cannot be had fails the import before any download.
    const tokenizer =
      options.tokenizerFrom &&
      (await tokenizerOf(options.tokenizerFrom, {
        getManifest: (id) => store.getManifest(id),
        getCheckpointBytes,
      }));
    const given =
      req.type === 'import'
        ? { files: req.files, name: undefined }
        : await downloadAll(req, ctrl.signal);
    // A folder and a zip archive each stand for the files in them that an import reads.
    const { files, rejected: leftOut, name: openedName } = await openImportFiles(given.files);
    const name = given.name ?? openedName;
    const manifests = await store.listManifests();
    // The same files (a download too) imported again resume their interrupted import.
    const resume = interruptedImport(files, manifests);
    const knownFiles: KnownFile[] = manifests
      .filter((m) => m.status === 'complete')
      .flatMap((m) => m.files.map((f) => ({ sha256: f.sha256!, size: f.size, dataset: m.name })));
    const { manifest, rejected } = await importDataset(files, store, {
      name: options.name ?? name,
      vocab: { targetSize: options.vocabSize, lowercase: options.lowercase },
      tokenizer,
      parse: { txtMode: options.txtMode, column: options.column || undefined },
      validationEvery: options.validationEvery,
      repeats: options.repeats,
      knownFiles,
      leftOut,
      resume,
      signal: ctrl.signal,
      onProgress: (progress) => post({ type: 'progress', jobId: req.jobId, progress }),
    });
    post({ type: 'done', jobId: req.jobId, manifest, rejected: problems(rejected) });
  } catch (e) {
    post({
      type: 'failed',
      jobId: req.jobId,
      kind: e instanceof ImportError ? e.kind : 'error',
      message: e instanceof Error ? e.message : String(e),
      rejected: e instanceof ImportError ? problems(e.rejected) : [],
    });
  } finally {
    jobs.delete(req.jobId);
  }
}

self.addEventListener('message', (e: MessageEvent<IngestRequest>) => {
  const req = e.data;
  if (req.type === 'cancel') jobs.get(req.jobId)?.abort();
  else void run(req);
});
