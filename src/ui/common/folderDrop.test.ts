import { describe, expect, it } from 'vitest';
import {
  type DropItem,
  droppedFiles,
  folderFiles,
  pickedFolderFiles,
  takenFromFolder,
} from './folderDrop';

// Node has no File System Access API: a directory here is an in-memory tree with the two calls the
// walk makes (entries(), getFile()). The e2e tests walk a real one, of the origin-private file
// system, and a folder chosen from disk.

type Tree = { [name: string]: string | Tree };

function directory(name: string, tree: Tree): FileSystemDirectoryHandle {
  return {
    kind: 'directory',
    name,
    async *entries() {
      // Not in name order: the walk sorts, as a real directory's order is not fixed.
      for (const [child, node] of Object.entries(tree).reverse()) {
        yield [
          child,
          typeof node === 'string'
            ? { kind: 'file', name: child, getFile: async () => new File([node], child) }
            : directory(child, node),
        ];
      }
    },
  } as unknown as FileSystemDirectoryHandle;
}

const repo = (): Tree => ({
  'a.txt': 'a',
  '.gitattributes': '*.bin filter=lfs',
  '.git': { HEAD: 'ref: main', objects: { pack: 'xx' } },
  sub: { 'b.txt': 'b', deeper: { 'c.txt': 'c' }, '.DS_Store': '' },
});

const names = (files: File[]) => files.map((f) => f.name);

describe('a folder dropped or chosen', () => {
  it('skips hidden files and folders and dependency folders, and below the top for a bundle', () => {
    expect(takenFromFolder('notes/a.txt', 'top')).toBe(true);
    expect(takenFromFolder('notes/sub/a.txt', 'top')).toBe(false);
    expect(takenFromFolder('notes/sub/a.txt', 'nested')).toBe(true);
    expect(takenFromFolder('notes/.git/HEAD', 'nested')).toBe(false);
    expect(takenFromFolder('notes/sub/.DS_Store', 'nested')).toBe(false);
    // A hidden folder chosen itself still gives its files.
    expect(takenFromFolder('.data/a.txt', 'nested')).toBe(true);
    // A code base's dependencies and caches are not its data; a file of such a name is.
    expect(takenFromFolder('app/node_modules/react/index.js', 'nested')).toBe(false);
    expect(takenFromFolder('app/src/__pycache__/a.pyc', 'nested')).toBe(false);
    expect(takenFromFolder('app/notes/node_modules', 'nested')).toBe(true);
  });

  it('gives its files named by their paths, in path order', async () => {
    const dir = directory('repo', repo());
    expect(names(await folderFiles(dir, 'nested'))).toEqual([
      'repo/a.txt',
      'repo/sub/b.txt',
      'repo/sub/deeper/c.txt',
    ]);
    expect(names(await folderFiles(dir, 'top'))).toEqual(['repo/a.txt']);
    const [c] = (await folderFiles(dir, 'nested')).slice(-1);
    expect(await c.text()).toBe('c');
  });

  it('from a folder input, as from a drop', async () => {
    const picked = ['repo/sub/b.txt', 'repo/.git/HEAD', 'repo/a.txt'].map((path) =>
      Object.defineProperty(new File([path], path.split('/').at(-1)!), 'webkitRelativePath', {
        value: path,
      }),
    );
    expect(names(pickedFolderFiles(picked, 'nested'))).toEqual(['repo/a.txt', 'repo/sub/b.txt']);
    expect(names(pickedFolderFiles(picked, 'top'))).toEqual(['repo/a.txt']);
  });

  it('is told apart from files dropped beside it, and named when it gives nothing', async () => {
    const alone = new File(['x'], 'alone.txt');
    const items: DropItem[] = [
      { file: alone, handle: Promise.resolve(null) },
      { file: null, handle: Promise.resolve(directory('repo', repo())) },
      { file: null, handle: Promise.resolve(directory('empty', { '.keep': '' })) },
      // A browser without getAsFileSystemHandle: the file as dropped.
      { file: new File(['y'], 'plain.txt') },
    ];
    const { files, emptyFolders } = await droppedFiles(items, 'nested');
    expect(names(files)).toEqual([
      'alone.txt',
      'repo/a.txt',
      'repo/sub/b.txt',
      'repo/sub/deeper/c.txt',
      'plain.txt',
    ]);
    expect(files[0]).toBe(alone);
    expect(emptyFolders).toEqual(['empty']);
  });
});
