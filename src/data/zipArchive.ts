// A .zip among the files of an import (a Kaggle dataset's download, a folder zipped to share)
// stands for the files in it: each entry of a supported format is a file of the import, read from
// the archive as it is parsed. zip.js reads the central directory by random access and inflates
// one entry at a time, checking its CRC-32, so nothing is extracted ahead.

import { BlobReader, BlobWriter, configure, type FileEntry, ZipReader } from '@zip.js/zip.js';
import { listNames } from './fileNames';
import { detectFormat } from './formats';
import { FileError, type InputFile } from './textStream';

// The ingest worker is already off the page's thread; zip.js's own workers would only add copies.
configure({ useWebWorkers: false });

/** Whether a file of this name is a zip archive. */
export function isArchive(name: string): boolean {
  return name.toLowerCase().endsWith('.zip');
}

/** What a zip tool adds beside the files: folders, macOS's resource forks, Finder's settings. */
function isPacking(path: string): boolean {
  const base = path.split('/').at(-1) ?? '';
  return path.startsWith('__MACOSX/') || base === '.DS_Store' || base === '';
}

/** One entry of an archive, read through zip.js: `archive.zip/path/in/it.csv`. */
class ArchiveEntry implements InputFile {
  private whole?: Promise<Blob>;

  constructor(
    readonly name: string,
    private readonly entry: FileEntry,
  ) {}

  get size(): number {
    return this.entry.uncompressedSize;
  }

  /** The entry's bytes as they inflate; a CRC-32 or inflate failure errors the stream. */
  stream(): ReadableStream<Uint8Array> {
    const pipe = new TransformStream<Uint8Array, Uint8Array>();
    // zip.js errors the stream itself; the promise's rejection says nothing more.
    this.entry.getData(pipe.writable, { checkSignature: true }).catch(() => {});
    return pipe.readable;
  }

  /** Random access (parquet needs it): the entry inflated once into a Blob, then sliced. */
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> } {
    this.whole ??= this.entry.getData(new BlobWriter(), { checkSignature: true });
    return { arrayBuffer: async () => (await this.whole!).slice(start, end).arrayBuffer() };
  }
}

/** An archive's files of supported formats, and why the others were left out. */
export interface ArchiveFiles {
  files: InputFile[];
  rejected: FileError[];
}

/**
 * The entries of `archive` that an import can read, in the archive's order. Entries of other
 * types (images, nested archives) are left out with one message for the archive, as are encrypted
 * ones; an archive that cannot be read, or that holds nothing to read, is one FileError.
 */
async function archiveFiles(archive: File): Promise<ArchiveFiles> {
  let entries: FileEntry[];
  try {
    const all = await new ZipReader(new BlobReader(archive)).getEntries();
    entries = all.filter((e): e is FileEntry => !e.directory && !isPacking(e.filename));
  } catch (e) {
    throw new FileError(
      'corrupt',
      archive.name,
      `could not be read as a zip archive (${(e as Error).message})`,
    );
  }
  const files: InputFile[] = [];
  const otherTypes: string[] = [];
  const encrypted: string[] = [];
  for (const e of entries) {
    if (e.encrypted) encrypted.push(e.filename);
    else if (detectFormat(e.filename)) {
      files.push(new ArchiveEntry(`${archive.name}/${e.filename}`, e));
    } else otherTypes.push(e.filename);
  }
  const rejected: FileError[] = [];
  if (encrypted.length > 0) {
    rejected.push(
      new FileError(
        'unsupported',
        archive.name,
        `holds ${encrypted.length} encrypted file(s) (${listNames(encrypted)}), left out: unzip them ` +
          'with their password and drop the files',
      ),
    );
  }
  if (otherTypes.length > 0) {
    rejected.push(
      new FileError(
        'unsupported',
        archive.name,
        `holds ${otherTypes.length} file(s) of other types (${listNames(otherTypes)}), left out`,
      ),
    );
  }
  if (files.length === 0) {
    throw new FileError(
      'unsupported',
      archive.name,
      entries.length === 0
        ? 'is an empty zip archive'
        : `holds no text, JSON, CSV or parquet files (${listNames(entries.map((e) => e.filename))})`,
    );
  }
  return { files, rejected };
}

/** An import's files with each archive opened: its files in its place, and what was left out. */
export interface OpenedFiles extends ArchiveFiles {
  /** Where the import is one archive, the dataset's name: the archive's, without .zip. */
  name?: string;
}

/** Opens the archives among an import's files (the others stay as they are). */
export async function openArchives(files: File[]): Promise<OpenedFiles> {
  const opened: OpenedFiles = { files: [], rejected: [] };
  for (const file of files) {
    if (!isArchive(file.name)) {
      opened.files.push(file);
      continue;
    }
    try {
      const { files: inside, rejected } = await archiveFiles(file);
      opened.files.push(...inside);
      opened.rejected.push(...rejected);
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      opened.rejected.push(e);
    }
  }
  if (files.length === 1 && isArchive(files[0].name)) opened.name = files[0].name.slice(0, -4);
  return opened;
}
