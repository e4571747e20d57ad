// Imports dropped files as one tokenized dataset, in two streaming passes over the files:
//   1. scan: parse, hash, count documents and (unless a tokenizer is given) vocabulary counts;
//   2. tokenize: parse again, encode each document followed by <eos>, send every k-th document
//      to validation (a repeated document where its first copy went: documentIndex.ts), and
//      write fixed-size Uint16 shards.
// The manifest is written as 'importing' before the first shard and as 'complete' after the last,
// so a dataset is never used half-written. An interrupted import can be resumed by importing the
// same files with `resume` (shards already stored are kept, being identical by determinism);
// a cancelled or failed one is deleted. Only this dataset's records are ever deleted.

import { ChunkTokenizer } from './chunkTokenizer';
import { DocumentIndex } from './documentIndex';
import { filesName } from './fileNames';
import { type FileReport, isSourceCode, newReport, type ParseOptions, parseFile } from './formats';
import { lfsPointerFileSize, lfsPointerProblem } from './lfsPointer';
import {
  type DatasetManifest,
  isQuotaError,
  type RepeatPlacement,
  type ShardStore,
  type Split,
  type SplitStats,
} from './shardStore';
import { EOS_ID } from './specialTokens';
import { FileError, hashFile, type InputFile, throwIfAborted } from './textStream';
import { TokenBuffer } from './tokenBuffer';
import { VocabCounter, type VocabOptions } from './vocabTrainer';

export interface ImportProgress {
  phase: 'scan' | 'tokenize';
  file: string;
  fileIndex: number;
  files: number;
  /** Bytes read over both passes, of bytesTotal (twice the files' size). */
  bytesDone: number;
  bytesTotal: number;
  documents: number;
  tokens: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface ImportOptions {
  name?: string;
  /** Use this tokenizer instead of training one on the files. */
  tokenizer?: ChunkTokenizer;
  vocab?: VocabOptions;
  parse?: Pick<ParseOptions, 'txtMode' | 'column'>;
  /** Tokens per shard (Uint16, so 1 Mi tokens = 2 MiB). */
  shardTokens?: number;
  /** Every k-th document goes to validation. */
  validationEvery?: number;
  /** Where a repeated document goes (RepeatPlacement); 'first-copy' unless given. */
  repeats?: RepeatPlacement;
  /** Files of other datasets: a dropped file equal to one of them is refused as a duplicate. */
  knownFiles?: KnownFile[];
  /** Files left out before the import (of an archive: zipArchive.ts), reported with its own. */
  leftOut?: FileError[];
  /** An 'importing' manifest left by an interrupted import of the same files. */
  resume?: DatasetManifest;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  progressIntervalMs?: number;
  /** How dataset ids are made (tests pass a fixed one). */
  newId?: () => string;
}

export interface KnownFile {
  sha256: string;
  size: number;
  dataset: string;
}

export interface ImportResult {
  manifest: DatasetManifest;
  /** Files left out, each with the reason for the UI. */
  rejected: FileError[];
}

export type ImportErrorKind = 'no-files' | 'quota' | 'cancelled' | 'resume-mismatch';

/** The interrupted ('importing') dataset of exactly these files, by name and size: to resume. */
export function interruptedImport(
  files: { name: string; size: number }[],
  manifests: DatasetManifest[],
): DatasetManifest | undefined {
  const sig = (xs: { name: string; size: number }[]) =>
    xs.map((f) => `${f.name}:${f.size}`).join('|');
  return manifests.find((m) => m.status === 'importing' && sig(m.files) === sig(files));
}

export class ImportError extends Error {
  constructor(
    readonly kind: ImportErrorKind,
    message: string,
    readonly rejected: FileError[] = [],
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

const SAMPLE_COUNT = 8;
const SAMPLE_CHARS = 2000;

/** Whether document i of n goes to validation: every k-th, and the last one of a short set. */
export function isValidationDocument(i: number, n: number, k: number): boolean {
  if (n < 2) return false;
  return n < k ? i === n - 1 : i % k === k - 1;
}

/** The last index that isValidationDocument holds out of n (−1: none). */
export function lastValidationDocument(n: number, k: number): number {
  if (n < 2) return -1;
  return n < k ? n - 1 : Math.floor(n / k) * k - 1;
}

/**
 * The split of document i of n (validation every k-th), given the split of its first copy where
 * it repeats an earlier document, or undefined where it is dropped. By `repeats`
 * (RepeatPlacement): a repeat goes where its first copy went, so that no document is in both
 * splits ('first-copy'), or is dropped there ('drop'), or goes by its place as any other
 * document ('by-place'). Only where the validation split would otherwise stay empty (its last
 * place, and every document there so far a repeat of a training one) does a repeat of a training
 * document go to validation, and is kept.
 */
export function documentSplit(
  i: number,
  n: number,
  k: number,
  first: Split | undefined,
  validationSoFar: number,
  repeats: RepeatPlacement = 'first-copy',
): Split | undefined {
  const place: Split = isValidationDocument(i, n, k) ? 'validation' : 'train';
  if (first === undefined || repeats === 'by-place') return place;
  const last =
    place === 'validation' && validationSoFar === 0 && i === lastValidationDocument(n, k);
  if (first === 'train' && last) return 'validation';
  return repeats === 'drop' ? undefined : first;
}

/** Accumulates tokens into fixed-size shards and writes each as it fills. */
class ShardWriter {
  private readonly buf: Uint16Array;
  private fill = 0;
  readonly stats: SplitStats = { documents: 0, tokens: 0, shards: 0 };

  constructor(
    private readonly store: ShardStore,
    private readonly id: string,
    private readonly split: Split,
    private readonly shardTokens: number,
    private readonly keepExisting: boolean,
  ) {
    this.buf = new Uint16Array(shardTokens);
  }

  async append(tokens: Uint16Array): Promise<void> {
    this.stats.documents++;
    let off = 0;
    while (off < tokens.length) {
      const n = Math.min(tokens.length - off, this.shardTokens - this.fill);
      this.buf.set(tokens.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.shardTokens) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.fill === 0) return;
    const index = this.stats.shards;
    if (!(this.keepExisting && (await this.store.hasShard(this.id, this.split, index)))) {
      await this.store.putShard(this.id, this.split, index, this.buf.subarray(0, this.fill));
    }
    this.stats.shards++;
    this.stats.tokens += this.fill;
    this.fill = 0;
  }
}

function randomId(): string {
  return globalThis.crypto.randomUUID();
}

export async function importDataset(
  files: InputFile[],
  store: ShardStore,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const signal = opts.signal;
  const shardTokens = opts.resume?.shardTokens ?? opts.shardTokens ?? 1 << 20;
  const validationEvery = opts.resume?.validationEvery ?? opts.validationEvery ?? 20;
  // A resumed import places documents as its stored shards did: by place before repeats were
  // told apart.
  const repeats = opts.resume
    ? (opts.resume.repeats ?? 'by-place')
    : (opts.repeats ?? 'first-copy');
  const size = files.reduce((s, f) => s + f.size, 0);
  const bytesTotal = 2 * size; // read twice: scan, then tokenize
  const start = performance.now();
  const interval = opts.progressIntervalMs ?? 200;
  let lastReport = -Infinity;
  let bytesBefore = 0; // bytes of files already finished in the current and earlier passes
  let documents = 0;
  let tokens = 0;
  const report = (
    phase: ImportProgress['phase'],
    fileIndex: number,
    current: number,
    force = false,
  ) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - lastReport < interval)) return;
    lastReport = now;
    const bytesDone = bytesBefore + current;
    const rate = bytesDone / Math.max(1e-3, (now - start) / 1000);
    opts.onProgress({
      phase,
      file: files[fileIndex]?.name ?? '',
      fileIndex,
      files: files.length,
      bytesDone,
      bytesTotal,
      documents,
      tokens,
      bytesPerSecond: rate,
      etaSeconds: rate > 0 ? (bytesTotal - bytesDone) / rate : null,
    });
  };

  // Pass 1: scan.
  const rejected: FileError[] = [...(opts.leftOut ?? [])];
  const accepted: { file: InputFile; report: FileReport }[] = [];
  // sha256 -> where the file already is; sizes to know when a file must be hashed up front.
  const hashes = new Map((opts.knownFiles ?? []).map((k) => [k.sha256, `"${k.dataset}"`]));
  const sizes = new Set((opts.knownFiles ?? []).map((k) => k.size));
  // Mostly source code (by size) keeps its case whatever the options say: lowercased, a program
  // no longer runs (True, MAX_SIZE, getElementById).
  const codeBytes = files.filter((f) => isSourceCode(f.name)).reduce((s, f) => s + f.size, 0);
  const vocab = 2 * codeBytes > size ? { ...opts.vocab, lowercase: false } : opts.vocab;
  const counter = opts.tokenizer || opts.resume ? null : new VocabCounter(vocab);
  const samples: string[] = [];
  // Only the user's cancel: a read that aborts because the page is closing (Chrome fails a
  // dropped file's reads with AbortError then) leaves the dataset to resume.
  const cancelled = () => opts.signal?.aborted === true;
  try {
    for (let fi = 0; fi < files.length; fi++) {
      const file = files[fi];
      try {
        const rep = newReport(file);
        // A file that cannot be read is refused by its parse below, with the reason.
        const pointsTo = await lfsPointerFileSize(file).catch(() => undefined);
        if (pointsTo !== undefined) {
          throw new FileError('unsupported', file.name, lfsPointerProblem(pointsTo));
        }
        // Equal files have equal sizes: hash first only then, so a duplicate is never counted.
        if (sizes.has(file.size)) {
          const h = await hashFile(file, signal);
          const dup = hashes.get(h);
          if (dup)
            throw new FileError('duplicate', file.name, `is the same file as ${dup}: skipped`);
        }
        sizes.add(file.size);
        for await (const doc of parseFile(file, rep, { ...opts.parse, hash: true, signal })) {
          throwIfAborted(signal);
          counter?.addDocument(doc);
          documents++;
          if (samples.length < SAMPLE_COUNT) samples.push(doc.slice(0, SAMPLE_CHARS));
          report('scan', fi, rep.bytesRead);
        }
        const dup = hashes.get(rep.sha256!);
        if (dup) throw new FileError('duplicate', file.name, `is the same file as ${dup}: skipped`);
        hashes.set(rep.sha256!, file.name);
        accepted.push({ file, report: rep });
      } catch (e) {
        if (!(e instanceof FileError)) throw e;
        rejected.push(e);
      }
      bytesBefore += file.size;
      report('scan', fi, 0, true);
    }
  } catch (e) {
    if (cancelled()) throw new ImportError('cancelled', 'Import cancelled.', rejected);
    throw e;
  }
  if (accepted.length === 0) {
    throw new ImportError(
      'no-files',
      `Nothing to import. ${rejected.map((r) => r.message).join('; ')}`,
      rejected,
    );
  }
  const docCount = accepted.reduce((s, a) => s + a.report.documents, 0);

  const tokenizer = opts.resume
    ? ChunkTokenizer.fromJSON(opts.resume.tokenizer)
    : (opts.tokenizer ?? counter!.build());
  if (opts.resume) {
    const want = opts.resume.files.map((f) => f.sha256).join();
    const got = accepted.map((a) => a.report.sha256).join();
    if (want !== got) {
      throw new ImportError(
        'resume-mismatch',
        `These files differ from the interrupted import of "${opts.resume.name}": drop the same files to resume it, or discard it.`,
        rejected,
      );
    }
  }
  const id = opts.resume?.id ?? (opts.newId ?? randomId)();
  const manifest: DatasetManifest = {
    version: 1,
    id,
    name: opts.resume?.name ?? opts.name ?? filesName(accepted.map((a) => a.file.name)),
    createdAt: opts.resume?.createdAt ?? Date.now(),
    status: 'importing',
    files: accepted.map((a) => a.report),
    tokenizer: tokenizer.toJSON(),
    tokenizerId: tokenizer.identity(),
    shardTokens,
    validationEvery,
    repeats,
    train: { documents: 0, tokens: 0, shards: 0 },
    validation: { documents: 0, tokens: 0, shards: 0 },
    unknownChars: 0,
    samples,
  };

  // Pass 2: tokenize.
  const keep = Boolean(opts.resume);
  const writers = {
    train: new ShardWriter(store, id, 'train', shardTokens, keep),
    validation: new ShardWriter(store, id, 'validation', shardTokens, keep),
  };
  const buf = new TokenBuffer(1 << 16);
  const seen = new DocumentIndex();
  let repeated = 0;
  let crossSplit = 0;
  const lengths: number[] = [];
  documents = 0;
  try {
    await store.putManifest(manifest);
    for (const { file, report: rep } of accepted) {
      const fi = files.indexOf(file);
      const second = newReport(file);
      for await (const doc of parseFile(file, second, { ...opts.parse, signal })) {
        throwIfAborted(signal);
        buf.clear();
        manifest.unknownChars += tokenizer.encodeInto(doc, buf);
        if (buf.length === 0 || buf.data[buf.length - 1] !== EOS_ID) buf.push(EOS_ID);
        const place = isValidationDocument(documents, docCount, validationEvery)
          ? 'validation'
          : 'train';
        const first = seen.firstSplit(buf.view(), place);
        const split = documentSplit(
          documents,
          docCount,
          validationEvery,
          first,
          writers.validation.stats.documents,
          repeats,
        );
        if (first) {
          repeated++;
          if (split && split !== first) crossSplit++;
        }
        if (split) {
          await writers[split].append(buf.view());
          const bucket = Math.floor(Math.log2(buf.length));
          lengths[bucket] = (lengths[bucket] ?? 0) + 1;
          tokens += buf.length;
        }
        documents++;
        report('tokenize', fi, second.bytesRead);
      }
      bytesBefore += file.size;
      rep.bytesRead = second.bytesRead;
    }
    await writers.train.flush();
    await writers.validation.flush();
    manifest.train = writers.train.stats;
    manifest.validation = writers.validation.stats;
    manifest.repeated = repeated;
    manifest.crossSplit = crossSplit;
    manifest.lengths = Array.from(lengths, (n) => n ?? 0);
    manifest.status = 'complete';
    await store.putManifest(manifest);
  } catch (e) {
    if (cancelled()) {
      await store.deleteDataset(id);
      throw new ImportError('cancelled', 'Import cancelled; nothing was kept.', rejected);
    }
    if (isQuotaError(e)) {
      await store.deleteDataset(id).catch(() => {});
      throw new ImportError(
        'quota',
        `Browser storage is full: it ran out after ${((2 * tokens) / 2 ** 20).toFixed(1)} MiB of ` +
          'this dataset. Delete datasets or checkpoints and import again; your other datasets are untouched.',
        rejected,
      );
    }
    throw e;
  }
  report('tokenize', files.length - 1, 0, true);
  return { manifest, rejected };
}
