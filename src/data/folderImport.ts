// A folder among an import's files (dropped on the page, chosen with "Choose a folder…", or given
// to the command line) comes as its files, each named by its path from the folder
// ('notes/2024/a.txt'). As with a zip archive's entries, those of the types an import reads are
// its files; the rest (images, licences, scripts) are left out with one message a folder, and an
// import of one folder takes the folder's name.

import { folderOf, listNames } from './fileNames';
import { detectFormat } from './formats';
import { FileError } from './textStream';
import { isArchive, type OpenedFiles, openArchives } from './zipArchive';

/** Whether an import reads a file of this name: a format it parses, or an archive it opens. */
const readable = (name: string) => detectFormat(name) !== null || isArchive(name);

/** The files an import reads from its folders (files given alone stay), and what was left out. */
export function openFolders(files: File[]): OpenedFiles & { files: File[] } {
  const kept: File[] = [];
  const others = new Map<string, string[]>();
  for (const file of files) {
    const folder = folderOf(file.name);
    if (folder === undefined || readable(file.name)) kept.push(file);
    else if (others.has(folder)) others.get(folder)!.push(file.name.slice(folder.length + 1));
    else others.set(folder, [file.name.slice(folder.length + 1)]);
  }
  const rejected = [...others].map(
    ([folder, names]) =>
      new FileError(
        'unsupported',
        folder,
        `holds ${names.length} file(s) of other types (${listNames(names)}), left out`,
      ),
  );
  const folders = new Set(files.map((f) => folderOf(f.name)));
  const [only] = folders;
  return { files: kept, rejected, name: folders.size === 1 ? only : undefined };
}

/** An import's files with its folders and archives opened (a folder may hold archives). */
export async function openImportFiles(files: File[]): Promise<OpenedFiles> {
  const inFolders = openFolders(files);
  const opened = await openArchives(inFolders.files);
  return {
    files: opened.files,
    rejected: [...inFolders.rejected, ...opened.rejected],
    name: inFolders.name ?? opened.name,
  };
}
