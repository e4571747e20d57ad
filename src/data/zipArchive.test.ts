import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDataset } from './importer';
import { loadTextCorpus } from './nodeCorpus';
import { MemoryShardStore } from './shardStore';
import { zstdSync } from './testZstd';
import type { FileError } from './textStream';
import { openArchives } from './zipArchive';

// Archives as zip tools write them (fflate's zipSync: deflated and stored entries, folders;
// zip.js for an encrypted entry), opened and imported as a drop of them would be.

const lines = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix} line ${i} of the archive.`);
const csv = `id,text\n${lines('csv', 30)
  .map((l, i) => `${i},"${l}"`)
  .join('\n')}\n`;
const txt = `${lines('txt', 20).join('\n')}\n`;
const jsonl = `${lines('zst', 10)
  .map((l) => JSON.stringify({ text: l }))
  .join('\n')}\n`;
const parquet = readFileSync(new URL('./fixtures/sample.parquet', import.meta.url));

/** A Kaggle-like download: data in folders, a picture, macOS's leftovers, a nested archive. */
function kaggleZip(): Uint8Array {
  return zipSync({
    'data/': {},
    'data/train.csv': strToU8(csv),
    'notes/readme.txt': [strToU8(txt), { level: 0 }],
    'extra/more.jsonl.zst': zstdSync(jsonl),
    'extra/sample.parquet': [new Uint8Array(parquet), { level: 0 }],
    'cover.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
    'old.zip': zipSync({ 'a.txt': strToU8('inside') }),
    '__MACOSX/data/._train.csv': new Uint8Array([0, 5, 22, 7]),
    '.DS_Store': new Uint8Array([0, 0, 0, 1]),
  });
}

const messages = (errors: FileError[]) => errors.map((e) => e.message);
/** A dropped file of these bytes. */
const asFile = (bytes: Uint8Array, name: string) => new File([Uint8Array.from(bytes)], name);

describe('zip archives', () => {
  it('open into their files of supported formats, in folders and compressed inside too', async () => {
    const opened = await openArchives([asFile(kaggleZip(), 'reviews.zip')]);
    expect(opened.files.map((f) => [f.name, f.size])).toEqual([
      ['reviews.zip/data/train.csv', csv.length],
      ['reviews.zip/notes/readme.txt', txt.length],
      ['reviews.zip/extra/more.jsonl.zst', zstdSync(jsonl).length],
      ['reviews.zip/extra/sample.parquet', parquet.length],
    ]);
    expect(opened.name).toBe('reviews');
    expect(messages(opened.rejected)).toEqual([
      'reviews.zip: holds 2 file(s) of other types (cover.png, old.zip), left out',
    ]);

    // Imported, every document of every entry is there (the parquet's 3 among them).
    const { manifest, rejected } = await importDataset(opened.files, new MemoryShardStore(), {
      leftOut: opened.rejected,
      name: opened.name,
      newId: () => 'zip',
    });
    expect(manifest.name).toBe('reviews');
    expect(manifest.files.map((f) => f.documents)).toEqual([30, 20, 10, 3]);
    expect(manifest.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(messages(rejected)).toEqual(messages(opened.rejected));
  });

  it('leave other files as they are, and a file equal to one in an archive is a duplicate', async () => {
    const zip = new File([zipSync({ 'texts/readme.txt': strToU8(txt) })], 'one.zip');
    const loose = new File([txt], 'readme.txt');
    const opened = await openArchives([zip, loose]);
    expect(opened.files.map((f) => f.name)).toEqual(['one.zip/texts/readme.txt', 'readme.txt']);
    expect(opened.name).toBeUndefined();
    const { manifest, rejected } = await importDataset(opened.files, new MemoryShardStore(), {
      newId: () => 'dup',
    });
    expect(manifest.files).toHaveLength(1);
    expect(messages(rejected)).toEqual([
      'readme.txt: is the same file as one.zip/texts/readme.txt: skipped',
    ]);
  });

  it('say why an archive or one of its files cannot be read', async () => {
    const why = async (bytes: Uint8Array, name = 'x.zip') =>
      messages((await openArchives([asFile(bytes, name)])).rejected);
    const whole = zipSync({ 'a.txt': strToU8(txt.repeat(50)) });
    expect(await why(whole.slice(0, whole.length - 30))).toEqual([
      expect.stringMatching(/^x\.zip: could not be read as a zip archive \(/),
    ]);
    expect(await why(strToU8('plain text, named .zip'))).toEqual([
      expect.stringMatching(/^x\.zip: could not be read as a zip archive/),
    ]);
    expect(await why(zipSync({}))).toEqual(['x.zip: is an empty zip archive']);
    expect(
      await why(zipSync({ 'a.png': new Uint8Array([1]), 'b.exe': new Uint8Array([2]) })),
    ).toEqual(['x.zip: holds no text, JSON, CSV or parquet files (a.png, b.exe)']);

    // An encrypted entry is left out; the archive's other files import.
    const writer = new ZipWriter(new BlobWriter());
    await writer.add('open.txt', new TextReader(txt));
    await writer.add('secret.txt', new TextReader('hidden'), { password: 'pw' });
    const locked = new Uint8Array(await (await writer.close()).arrayBuffer());
    const opened = await openArchives([new File([locked], 'mixed.zip')]);
    expect(opened.files.map((f) => f.name)).toEqual(['mixed.zip/open.txt']);
    expect(messages(opened.rejected)).toEqual([
      'mixed.zip: holds 1 encrypted file(s) (secret.txt), left out: unzip them with their ' +
        'password and drop the files',
    ]);

    // A damaged entry fails its CRC-32: that file is left out, with the reason.
    const good = zipSync({ 'a.txt': [strToU8(txt), { level: 0 }], 'b.txt': strToU8(csv) });
    const damaged = good.slice();
    damaged[40] ^= 0x20; // inside a.txt's stored text
    const files = (await openArchives([new File([damaged], 'd.zip')])).files;
    const { manifest, rejected } = await importDataset(files, new MemoryShardStore(), {
      newId: () => 'damaged',
    });
    expect(manifest.files.map((f) => f.name)).toEqual(['d.zip/b.txt']);
    expect(messages(rejected)).toEqual([
      expect.stringMatching(/^d\.zip\/a\.txt: could not be read or decompressed .*CRC/),
    ]);
  });

  it('are read from disk by the command line as well', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i3-zip-'));
    const path = join(dir, 'corpus.zip');
    writeFileSync(path, zipSync({ 'a.txt': strToU8(txt), 'b.csv': strToU8(csv) }));
    const corpus = await loadTextCorpus(path, { newId: () => 'cli' });
    const manifest = await corpus.store.getManifest('cli');
    expect(manifest?.name).toBe('corpus');
    expect(manifest?.files.map((f) => f.documents)).toEqual([20, 30]);
  });
});
