/// <reference lib="webworker" />
// The export worker: Hugging Face bundles out of and into the studio's checkpoints, off the UI
// thread. An export decodes the checkpoint from IndexedDB and streams the zip straight to the
// file the user picked (File System Access API) or into a Blob for a download; the weights are
// held once, as the decoded parameters the zip entries are views of. An import validates the
// bundle (dropped, or downloaded from the web), rebuilds its tokenizer and stores it as a
// checkpoint. A dataset's token shards leave the same way, as a zip for train_i3.py. Speaks the
// export-worker messages of src/protocol.ts.

import { folderOf } from '../src/data/fileNames';
import { ForeignTokenizerError } from '../src/data/huggingFace';
import { IdbShardStore } from '../src/data/idbShardStore';
import { exportShardsZip } from '../src/data/shardExport';
import { browserPythonSources } from '../src/export/browserPythonSources';
import { BundleImportError, bundleEntries, IMPORTED_FILES, isZip } from '../src/export/bundle';
import { bundleLocation, downloadBundle } from '../src/export/bundleDownload';
import {
  asExported,
  bundleInputFromCheckpoint,
  checkpointOfBundle,
  datasetSummary,
  earlierImport,
  importedSummary,
} from '../src/export/checkpointBundle';
import type { DatasetSummary } from '../src/export/hfFiles';
import { pullStream, zipDataBytes, zipStream } from '../src/export/zipStream';
import type { CheckpointDetails, ExportEvent, ExportRequest } from '../src/protocol';
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  weightsDigest,
} from '../src/train/checkpoint';
import {
  getCheckpointBytes,
  getCheckpointSummary,
  getRun,
  listCheckpoints,
  putCheckpoint,
} from '../src/train/runStore';
import { BlobParts } from '../src/util/blobParts';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: ExportEvent) => self.postMessage(event);
const cancelled = new Set<string>();
/** The import-url jobs downloading now, by job id, for a cancel to abort. */
const downloads = new Map<string, AbortController>();
/** Progress events at most this often: a fast export would otherwise flood the UI. */
const PROGRESS_MS = 100;

class Cancelled extends Error {}

let storePromise: Promise<IdbShardStore> | undefined;
/** The dataset store, opened once (each open is a new IndexedDB connection that stays open). */
const shardStore = () => (storePromise ??= IdbShardStore.open());

async function loadCheckpoint(id: string): Promise<Checkpoint> {
  // The stored bytes go out of scope on return: only the decoded arrays stay alive.
  const bytes = await getCheckpointBytes(id);
  if (!bytes) throw new Error('This checkpoint is no longer stored (deleted in another tab?).');
  return decodeCheckpoint(bytes);
}

const details = (checkpointId: string, ck: Checkpoint): CheckpointDetails => ({
  checkpointId,
  config: ck.meta.config,
  tokenizerId: ck.meta.tokenizerId,
  step: ck.meta.step,
});

/** The summary of a checkpoint's dataset, with those mixed in (as far as they are still stored). */
async function dataset(meta: Checkpoint['meta']): Promise<DatasetSummary | undefined> {
  if (!meta.datasetId) return undefined;
  const store = await shardStore();
  const manifest = await store.getManifest(meta.datasetId);
  if (!manifest) return undefined;
  const mixedIn = [];
  for (const m of meta.settings.mixIn ?? []) {
    const other = await store.getManifest(m.datasetId);
    mixedIn.push({
      name: other?.name ?? 'a dataset since deleted',
      share: m.share,
      trainTokens: other?.train.tokens,
    });
  }
  return { ...datasetSummary(manifest), ...(mixedIn.length > 0 && { mixedIn }) };
}

/** Where the zip's chunks go: a file being written, or Blob parts. */
interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<Blob | undefined>;
  abort(): Promise<void>;
}

async function fileSink(handle: FileSystemFileHandle): Promise<Sink> {
  const writable = await handle.createWritable();
  return {
    write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
    close: async () => {
      await writable.close();
      return undefined;
    },
    abort: () => writable.abort(),
  };
}

function blobSink(): Sink {
  const parts = new BlobParts();
  return {
    write: async (chunk) => parts.add(chunk),
    close: async () => parts.blob('application/zip'),
    abort: async () => parts.clear(),
  };
}

/** Streams a zip to the picked file or a Blob, with progress; `total` is its data's bytes. */
async function writeZip(
  jobId: string,
  zip: ReadableStream<Uint8Array>,
  total: number,
  fileName: string,
  target?: FileSystemFileHandle,
): Promise<void> {
  const sink = target ? await fileSink(target) : blobSink();
  const reader = zip.getReader();
  let written = 0;
  let reported = 0;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (cancelled.has(jobId)) throw new Cancelled();
      await sink.write(r.value);
      written += r.value.length;
      if (performance.now() - reported > PROGRESS_MS) {
        reported = performance.now();
        post({ type: 'progress', jobId, written, total });
      }
    }
  } catch (e) {
    await reader.cancel();
    await sink.abort();
    throw e;
  }
  post({ type: 'progress', jobId, written, total });
  const blob = await sink.close();
  post({ type: 'exported', jobId, fileName, bytes: written, blob });
}

async function runExport(req: Extract<ExportRequest, { type: 'export' }>): Promise<void> {
  const ck = await loadCheckpoint(req.checkpointId);
  const input = asExported(
    bundleInputFromCheckpoint(
      ck,
      browserPythonSources,
      await dataset(ck.meta),
      (await getCheckpointSummary(req.checkpointId))?.evaluations,
      await getRun(ck.meta.runId),
    ),
    { optimizer: req.optimizer, weightsDtype: req.weights },
  );
  // The entries once, for the archive and for its progress total (its files' bytes).
  const entries = bundleEntries(input);
  const zip = pullStream(zipStream(entries));
  await writeZip(req.jobId, zip, zipDataBytes(entries), req.fileName, req.target);
}

async function runExportShards(req: Extract<ExportRequest, { type: 'export-shards' }>) {
  const store = await shardStore();
  const manifest = await store.getManifest(req.datasetId);
  if (manifest?.status !== 'complete') {
    throw new Error('This dataset is missing or not completely imported: import it again.');
  }
  const tokens = manifest.train.tokens + manifest.validation.tokens;
  await writeZip(req.jobId, exportShardsZip(store, manifest), 2 * tokens, req.fileName);
}

/** The bundle's bytes: one file is its zip; several are its files, by name (a folder's by path). */
async function bundleSource(files: File[]): Promise<Map<string, Uint8Array> | Uint8Array> {
  if (files.length === 0) throw new BundleImportError('no files were given');
  if (files.length === 1) {
    const [file] = files;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const zip = isZip(bytes) || /\.zip$/i.test(file.name);
    if (zip) return bytes;
    throw new BundleImportError(
      `${file.name} is not a bundle. Drop the .zip the studio exported, its folder, or the bundle's files ` +
        'together (config.json, tokenizer.json and model.safetensors or pytorch_model.bin).',
    );
  }
  // A repository's folder may hold much else (a README, other formats of the model): not read.
  const read = files.filter((f) => IMPORTED_FILES.has(f.name.split('/').at(-1)!));
  const entries = await Promise.all(
    read.map(async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as const),
  );
  return new Map(entries);
}

/**
 * The name of an imported checkpoint: the zip's or folder's name (a folder's files come named by
 * their paths in it, src/ui/common/folderDrop.ts).
 */
function bundleName(files: File[]): string {
  const path = files[0].name;
  if (files.length > 1) return folderOf(path) ?? 'imported bundle';
  return path
    .split('/')
    .at(-1)!
    .replace(/\.zip$/i, '');
}

/** Stores the bundle in `source` as a checkpoint named `name`. */
async function storeBundle(
  jobId: string,
  source: Map<string, Uint8Array> | Uint8Array,
  name: string,
): Promise<void> {
  const ck = checkpointOfBundle(source, name);
  const weights = await weightsDigest(ck.params);
  const { again, sameWeights } = earlierImport(await listCheckpoints(), {
    runName: ck.meta.name,
    step: ck.meta.step,
    weights,
  });
  if (again) {
    post({ type: 'already-imported', jobId, checkpoint: again });
    return;
  }
  const bytes = await encodeCheckpoint(ck);
  const summary = importedSummary(ck, bytes.byteLength, weights);
  await putCheckpoint(summary, bytes);
  post({
    type: 'imported',
    jobId,
    checkpoint: summary,
    details: details(summary.id, ck),
    sameAs: sameWeights?.runName,
  });
}

const runImport = async (req: Extract<ExportRequest, { type: 'import' }>) =>
  storeBundle(req.jobId, await bundleSource(req.files), bundleName(req.files));

/** Downloads a bundle (src/export/bundleDownload.ts) and stores it; a cancel aborts it. */
async function runImportUrl(req: Extract<ExportRequest, { type: 'import-url' }>): Promise<void> {
  const abort = new AbortController();
  downloads.set(req.jobId, abort);
  let reported = { at: 0, file: '' };
  try {
    const location = bundleLocation(req.address);
    const source = await downloadBundle(location, {
      signal: abort.signal,
      onProgress: (progress) => {
        const { file, received, total } = progress;
        const news = file !== reported.file || received === total;
        if (!news && performance.now() - reported.at < PROGRESS_MS) return;
        reported = { at: performance.now(), file };
        post({ type: 'download', jobId: req.jobId, progress });
      },
    });
    await storeBundle(req.jobId, source, location.name);
  } catch (e) {
    throw abort.signal.aborted ? new Cancelled() : e;
  } finally {
    downloads.delete(req.jobId);
  }
}

async function runInspect(req: Extract<ExportRequest, { type: 'inspect' }>): Promise<void> {
  const ck = await loadCheckpoint(req.checkpointId);
  post({ type: 'inspected', jobId: req.jobId, details: details(req.checkpointId, ck) });
}

async function job(jobId: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof Cancelled) post({ type: 'cancelled', jobId });
    else if (e instanceof BundleImportError || e instanceof ForeignTokenizerError)
      post({ type: 'failed', jobId, message: `This bundle cannot be imported: ${e.message}.` });
    else post({ type: 'failed', jobId, message: (e as Error).message });
  } finally {
    cancelled.delete(jobId);
  }
}

self.onmessage = (ev: MessageEvent<ExportRequest>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'export':
      void job(msg.jobId, () => runExport(msg));
      break;
    case 'export-shards':
      void job(msg.jobId, () => runExportShards(msg));
      break;
    case 'import':
      void job(msg.jobId, () => runImport(msg));
      break;
    case 'import-url':
      void job(msg.jobId, () => runImportUrl(msg));
      break;
    case 'inspect':
      void job(msg.jobId, () => runInspect(msg));
      break;
    case 'cancel':
      cancelled.add(msg.jobId);
      downloads.get(msg.jobId)?.abort();
      break;
  }
};
