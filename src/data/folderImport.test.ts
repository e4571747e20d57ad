import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { folderOf } from './fileNames';
import { openFolders, openImportFiles } from './folderImport';
import { importDataset } from './importer';
import { loadTextCorpus } from './nodeCorpus';
import { MemoryShardStore } from './shardStore';
import type { FileError } from './textStream';

// A folder's files as the page hands them to the ingest worker: named by their paths in it.

const lines = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix} line ${i} of the folder.`);
const txt = `${lines('txt', 12).join('\n')}\n`;
const jsonl = `${lines('jsonl', 7)
  .map((l) => JSON.stringify({ text: l }))
  .join('\n')}\n`;
const messages = (errors: FileError[]) => errors.map((e) => e.message);

/** A cloned dataset repository, as a folder's files: data at two depths, a picture, a licence. */
const notes = () => [
  new File([txt], 'notes/a.txt'),
  new File([jsonl], 'notes/2024/b.jsonl'),
  new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'notes/cover.png'),
  new File(['MIT'], 'notes/LICENSE'),
  new File([zipSync({ 'c.txt': strToU8(lines('zip', 5).join('\n')) })], 'notes/old/c.zip'),
];

describe('folders of an import', () => {
  it('give their files of the types an import reads, the rest left out with one message', () => {
    const opened = openFolders([...notes(), new File([txt], 'alone.txt')]);
    expect(opened.files.map((f) => f.name)).toEqual([
      'notes/a.txt',
      'notes/2024/b.jsonl',
      'notes/old/c.zip',
      'alone.txt',
    ]);
    expect(messages(opened.rejected)).toEqual([
      'notes: holds 2 file(s) of other types (cover.png, LICENSE), left out',
    ]);
    // Two sources (the folder and a file alone) make a dataset the user names.
    expect(opened.name).toBeUndefined();
    expect(folderOf('notes/2024/b.jsonl')).toBe('notes');
    expect(folderOf('alone.txt')).toBeUndefined();
  });

  it('import as one dataset named for the folder, archives in them opened', async () => {
    const opened = await openImportFiles(notes());
    expect(opened.name).toBe('notes');
    expect(opened.files.map((f) => f.name)).toEqual([
      'notes/a.txt',
      'notes/2024/b.jsonl',
      'notes/old/c.zip/c.txt',
    ]);
    const { manifest, rejected } = await importDataset(opened.files, new MemoryShardStore(), {
      leftOut: opened.rejected,
      name: opened.name,
      newId: () => 'folder',
    });
    expect(manifest.name).toBe('notes');
    expect(manifest.files.map((f) => f.documents)).toEqual([12, 7, 5]);
    expect(messages(rejected)).toEqual(messages(opened.rejected));
  });

  it('are read from disk by the command line, hidden files skipped', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'i3-folder-')), 'corpus');
    mkdirSync(join(dir, 'part', '.git'), { recursive: true });
    writeFileSync(join(dir, 'b.txt'), txt);
    writeFileSync(join(dir, 'part', 'a.jsonl'), jsonl);
    // Text a .git holds is not the dataset's: were it read, there would be a third file.
    writeFileSync(join(dir, 'part', '.git', 'notes.txt'), txt);
    writeFileSync(join(dir, '.hidden.txt'), txt);
    const corpus = await loadTextCorpus(dir, { newId: () => 'cli' });
    const manifest = await corpus.store.getManifest('cli');
    expect(manifest?.name).toBe('corpus');
    expect(manifest?.files.map((f) => [f.name, f.documents])).toEqual([
      ['corpus/b.txt', 12],
      ['corpus/part/a.jsonl', 7],
    ]);
  });
});
