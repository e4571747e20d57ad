// A bundle on the web, for the Checkpoints pane's import: a Hugging Face model repository (its
// address, or its "owner/name"), a bundle's .zip anywhere, or a folder of a bundle's files on any
// server that lets other sites read them. A folder's files come down one at a time, config.json
// first, so that a repository of another model is refused before its weights are fetched.

import { DownloadError, type DownloadProgress, downloadFile } from '../data/urlDownload';
import {
  METRICS_FILE,
  OPTIMIZER_FILE,
  parseConfig,
  TORCH_WEIGHTS_FILE,
  TRAINING_STATE_FILE,
  WEIGHTS_FILE,
} from './bundle';

export type BundleLocation =
  | { kind: 'zip'; url: string; name: string }
  /** `base` ends in "/": a file's address is `base` + its name. */
  | { kind: 'folder'; base: string; name: string };

export type BundleDownloadProgress = DownloadProgress & { file: string };

const HUGGING_FACE = 'https://huggingface.co';
/** A Hugging Face repository id, as its pages show it: owner/name. */
const REPO_ID = /^[\w.-]+\/[\w.-]+$/;
/** The files an address may point at, when it means their folder. */
const BUNDLE_FILES = new Set([
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'README.md',
  WEIGHTS_FILE,
  TORCH_WEIGHTS_FILE,
  METRICS_FILE,
  TRAINING_STATE_FILE,
  OPTIMIZER_FILE,
]);

const folder = (base: string, name: string): BundleLocation => ({
  kind: 'folder',
  base: base.endsWith('/') ? base : `${base}/`,
  name,
});

/** A Hugging Face address: /owner/name, then tree/<rev>/<folder> or blob|resolve/<rev>/<file>. */
function huggingFaceLocation(address: string, segments: string[]): BundleLocation {
  const [owner, repo, view, revision, ...path] = segments;
  if (!owner || !repo || owner === 'datasets' || owner === 'spaces') {
    throw new DownloadError(
      `${address} is not a Hugging Face model: give the model's address ` +
        '(https://huggingface.co/<owner>/<name>) or its owner/name.',
    );
  }
  const resolve = `${HUGGING_FACE}/${owner}/${repo}/resolve/`;
  if (!revision || !['tree', 'blob', 'resolve'].includes(view)) {
    return folder(`${resolve}main/`, repo);
  }
  const file = view === 'tree' ? undefined : path.at(-1);
  if (file?.toLowerCase().endsWith('.zip')) {
    return { kind: 'zip', url: `${resolve}${revision}/${path.join('/')}`, name: file.slice(0, -4) };
  }
  const dir = file === undefined ? path : path.slice(0, -1);
  return folder(`${resolve}${[revision, ...dir].join('/')}`, repo);
}

/** Where the bundle at `address` lies, or why the address names none. */
export function bundleLocation(address: string): BundleLocation {
  const a = address.trim();
  if (REPO_ID.test(a)) return folder(`${HUGGING_FACE}/${a}/resolve/main/`, a.split('/')[1]);
  let url: URL;
  try {
    url = new URL(a);
  } catch {
    throw new DownloadError(
      `"${a}" is neither a web address nor a Hugging Face model's owner/name.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DownloadError(`"${a}" is not a web address (it should start with https://).`);
  }
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (url.hostname === 'huggingface.co' || url.hostname === 'hf.co') {
    return huggingFaceLocation(a, segments);
  }
  const last = segments.at(-1) ?? '';
  if (last.toLowerCase().endsWith('.zip'))
    return { kind: 'zip', url: url.href, name: last.slice(0, -4) };
  const dir = BUNDLE_FILES.has(last) ? segments.slice(0, -1) : segments;
  url.search = '';
  url.hash = '';
  url.pathname = `/${dir.map(encodeURIComponent).join('/')}`;
  return folder(url.href, dir.at(-1) ?? url.hostname);
}

/**
 * The bundle's bytes: a zip's, or a folder's files by name (config.json, tokenizer.json, the
 * weights, and the training state, metrics and optimizer moments where it has them), as
 * importBundle reads them.
 */
export async function downloadBundle(
  location: BundleLocation,
  options: { signal?: AbortSignal; onProgress?: (p: BundleDownloadProgress) => void } = {},
): Promise<Uint8Array | Map<string, Uint8Array>> {
  const fetchFile = async (url: string, file: string) => {
    const got = await downloadFile(url, {
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ ...p, file }),
    });
    return new Uint8Array(await got.arrayBuffer());
  };
  if (location.kind === 'zip') return fetchFile(location.url, `${location.name}.zip`);

  const files = new Map<string, Uint8Array>();
  /** Whether the folder has `name`; a file it lacks is an error unless it is `optional`. */
  const take = async (name: string, optional = false): Promise<boolean> => {
    try {
      files.set(name, await fetchFile(location.base + name, name));
      return true;
    } catch (e) {
      // Hugging Face answers 401 for a repository it does not show, 404 for a file it lacks.
      if (!(e instanceof DownloadError) || (e.status !== 404 && e.status !== 401)) throw e;
      if (optional) return false;
      throw new DownloadError(
        `${location.base} has no ${name} (the server answered ${e.status}). ` +
          'Check the address, and that the model is public; a private model can be downloaded ' +
          'and its files dropped here.',
        e.status,
      );
    }
  };
  await take('config.json');
  parseConfig(files.get('config.json')!);
  await take('tokenizer.json');
  if (!(await take(WEIGHTS_FILE, true)) && !(await take(TORCH_WEIGHTS_FILE, true))) {
    throw new DownloadError(
      `${location.base} has neither ${WEIGHTS_FILE} nor ${TORCH_WEIGHTS_FILE}: an i3 bundle keeps ` +
        'its weights in one file, not in shards.',
    );
  }
  for (const name of [TRAINING_STATE_FILE, METRICS_FILE, OPTIMIZER_FILE]) await take(name, true);
  return files;
}
