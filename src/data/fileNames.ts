// An import's files by name: a folder's come named by their paths in it ('notes/2024/a.txt'), an
// archive's entries by theirs after the archive's name. Messages and names are made from them.

/** The folder a file of an import came from, or undefined for a file given on its own. */
export const folderOf = (name: string): string | undefined => {
  const slash = name.indexOf('/');
  return slash > 0 ? name.slice(0, slash) : undefined;
};

// Folders of a code base's dependencies and caches: other people's code by the thousand files
// (node_modules), or compiled bytes, not the folder's own data.
const DEPENDENCY_FOLDERS = new Set([
  'node_modules',
  'bower_components',
  '__pycache__',
  'site-packages',
]);

/**
 * Whether a path inside a folder passes through a hidden file or folder (.git, .DS_Store) or a
 * dependency folder (node_modules, __pycache__): what a folder's import skips, on the page and on
 * the command line.
 */
export const isSkippedPath = (inside: string): boolean =>
  inside
    .split('/')
    .some(
      (part, i, parts) =>
        part.startsWith('.') || (i < parts.length - 1 && DEPENDENCY_FOLDERS.has(part)),
    );

/** Up to three names, and how many more: how a message lists the files it speaks of. */
export function listNames(names: string[]): string {
  const shown = names.slice(0, 3).join(', ');
  const more = names.length - 3;
  return more > 0 ? `${shown}, and ${more.toLocaleString('en-US')} more` : shown;
}

/** A dataset's name from its files where nothing names it: up to three, then a count. */
export function filesName(names: string[]): string {
  return names.length <= 3
    ? names.join(' + ')
    : `${names.slice(0, 2).join(' + ')} + ${(names.length - 2).toLocaleString('en-US')} more`;
}

/** What an import is of, in a few words: its one folder, or its files (three named at most). */
export function filesSubject(names: string[]): string {
  const folders = new Set(names.map(folderOf));
  const [only] = folders;
  if (folders.size === 1 && only !== undefined) {
    return `${only} (${names.length.toLocaleString('en-US')} files)`;
  }
  return listNames(names);
}
