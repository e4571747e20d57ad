// Folders dropped on a drop zone, or chosen with its "Choose a folder…", come as their files, each
// named by its path from the folder ('notes/2024/a.txt'): that path is how the importers tell a
// folder's files apart (src/data/folderImport.ts; a bundle's folder in the export worker). Hidden
// files and folders are skipped: a cloned repository's .git is not data, nor is .DS_Store, nor a
// code base's node_modules (isSkippedPath).

import { isSkippedPath, listNames } from '../../data/fileNames';

/** A folder's files at every depth (a dataset's), or only its own (a bundle's). */
export type FolderDepth = 'nested' | 'top';

/** What a drop says while its importer is busy with an earlier import. */
export const IMPORT_BUSY = 'An import is under way: drop these again when it ends (or cancel it).';

/** What a drop that held only folders with nothing to take says (undefined: none was empty). */
export function emptyFoldersProblem(
  emptyFolders: string[],
  depth: FolderDepth,
): string | undefined {
  if (emptyFolders.length === 0) return undefined;
  const skipped = depth === 'top' ? 'hidden files and subfolders' : 'hidden files and node_modules';
  return `Nothing to import in ${listNames(emptyFolders)}: no files (${skipped} are skipped).`;
}

/** Whether to take the file at this path (the chosen folder's name first, then the path in it). */
export function takenFromFolder(path: string, depth: FolderDepth): boolean {
  const inside = path.slice(path.indexOf('/') + 1);
  return !isSkippedPath(inside) && (depth === 'nested' || !inside.includes('/'));
}

/** The file named by its path (the bytes are shared, not copied). */
const named = (file: File, path: string): File =>
  file.name === path ? file : new File([file], path, { type: file.type });

const byName = (a: File, b: File) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The files of a folder input (webkitdirectory), named by their paths, in path order: the order
 * the browser lists them in is not fixed, and an import's validation split follows its order.
 */
export function pickedFolderFiles(files: File[], depth: FolderDepth): File[] {
  return files
    .filter((f) => takenFromFolder(f.webkitRelativePath, depth))
    .map((f) => named(f, f.webkitRelativePath))
    .sort(byName);
}

/** A folder's files as pickedFolderFiles gives them, read through the File System Access API. */
export async function folderFiles(
  dir: FileSystemDirectoryHandle,
  depth: FolderDepth,
): Promise<File[]> {
  const files: File[] = [];
  const walk = async (at: FileSystemDirectoryHandle, path: string): Promise<void> => {
    for await (const [name, handle] of at.entries()) {
      const inner = `${path}/${name}`;
      if (!takenFromFolder(inner, depth)) continue;
      if (handle.kind === 'file') {
        files.push(named(await (handle as FileSystemFileHandle).getFile(), inner));
      } else if (depth === 'nested') {
        await walk(handle as FileSystemDirectoryHandle, inner);
      }
    }
  };
  await walk(dir, dir.name);
  return files.sort(byName);
}

/** Chromium's DataTransferItem.getAsFileSystemHandle: what tells a dropped folder from a file. */
type HandleItem = DataTransferItem & {
  getAsFileSystemHandle?: () => Promise<FileSystemHandle | null>;
};

/** One dropped thing, taken while the drop event lasts (the browser empties it after). */
export interface DropItem {
  file: File | null;
  handle?: Promise<FileSystemHandle | null>;
}

export function dropItems(dt: DataTransfer): DropItem[] {
  return [...dt.items]
    .filter((item) => item.kind === 'file')
    .map((item: HandleItem) => ({
      file: item.getAsFile(),
      handle: item.getAsFileSystemHandle?.().catch(() => null),
    }));
}

/** A drop's files: each folder's (folderFiles), and files dropped alone as they are. */
export async function droppedFiles(
  items: DropItem[],
  depth: FolderDepth,
): Promise<{ files: File[]; emptyFolders: string[] }> {
  const files: File[] = [];
  const emptyFolders: string[] = [];
  for (const item of items) {
    const handle = await item.handle;
    if (handle?.kind === 'directory') {
      const inside = await folderFiles(handle as FileSystemDirectoryHandle, depth);
      if (inside.length === 0) emptyFolders.push(handle.name);
      for (const file of inside) files.push(file);
    } else if (item.file) {
      files.push(item.file);
    }
  }
  return { files, emptyFolders };
}

/** An importer a drop goes to: a drop zone's, or the page's (src/ui/shell/PageDrop.tsx). */
export interface DropReceiver {
  depth: FolderDepth;
  busy: boolean;
  take: (files: File[]) => void;
  /** What the drop says went wrong (undefined: nothing). */
  say: (problem: string | undefined) => void;
}

/**
 * Hands a drop's files (folders walked) to the importer, or says why not: it is busy, a folder
 * holds nothing to take, or a folder cannot be read. The files go first, since an import clears
 * its pane's notice as it starts. Call it while the drop event lasts.
 */
export function receiveDrop(dt: DataTransfer, to: DropReceiver): void {
  if (to.busy) {
    to.say(IMPORT_BUSY);
    return;
  }
  droppedFiles(dropItems(dt), to.depth).then(
    ({ files, emptyFolders }) => {
      if (files.length > 0) to.take(files);
      to.say(emptyFoldersProblem(emptyFolders, to.depth));
    },
    (err: Error) => to.say(`The dropped folder could not be read: ${err.message}`),
  );
}
