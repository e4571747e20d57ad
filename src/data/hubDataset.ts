// A Hugging Face dataset named by its id ("owner/name") or its page, imported through the Parquet
// files the Hub's dataset viewer converts every public dataset to: the viewer's /parquet endpoint
// lists them (with their subset, split and size), and they download like any file at an address.

import { DownloadError } from './urlDownload';

/** The Hub's dataset viewer API, which lists each dataset's Parquet files. */
const DATASET_VIEWER_API = 'https://datasets-server.huggingface.co';

/** A Hub dataset as an address names it: its id, and the subset and split its page names. */
export interface HubDatasetRef {
  id: string;
  config?: string;
  split?: string;
}

// A repository id as the Hub writes them: an owner and a name of letters, digits, '-', '_', '.'.
const PART = '[A-Za-z0-9][A-Za-z0-9._-]*';
const BARE_ID = new RegExp(`^${PART}/${PART}$`);

/**
 * The Hub dataset an address names, or undefined where it names something else (a file's address
 * among them): a bare `owner/name`, or a dataset's page on huggingface.co, where
 * `…/viewer/<subset>/<split>` picks those.
 */
export function hubDatasetRef(address: string): HubDatasetRef | undefined {
  const a = address.trim();
  if (BARE_ID.test(a)) return { id: a };
  let u: URL;
  try {
    u = new URL(a);
  } catch {
    return undefined;
  }
  if (u.hostname !== 'huggingface.co' && u.hostname !== 'www.huggingface.co') return undefined;
  const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'datasets' || parts.length < 2) return undefined;
  // A one-part id is one of the Hub's oldest datasets ("wikitext"); the next part may be a name.
  const named = parts.length > 2 && !PAGES.has(parts[2]);
  const id = parts.slice(1, named ? 3 : 2).join('/');
  const rest = parts.slice(named ? 3 : 2);
  // A file's page or download address is a file, for the file download.
  if (rest[0] === 'blob' || rest[0] === 'resolve') return undefined;
  if (rest[0] === 'viewer') return { id, config: rest[1], split: rest[2] };
  return { id };
}

/**
 * The name of a dataset imported from the Hub: its id, and its subset and split where they are not
 * the usual 'default' and 'train'; and, where the viewer converted only the start of a very large
 * dataset, that it holds only that.
 */
export function hubDatasetName(d: HubDatasetRef & { partial?: boolean }): string {
  const part = [d.config === 'default' ? '' : d.config, d.split === 'train' ? '' : d.split]
    .filter(Boolean)
    .join(' / ');
  const name = part ? `${d.id} (${part})` : d.id;
  return d.partial ? `${name}, its first 5 GB` : name;
}

// The pages of a dataset on the Hub, after its id.
const PAGES = new Set(['viewer', 'tree', 'blob', 'resolve', 'discussions', 'commits', 'blame']);

/** One Parquet file of a dataset, as the viewer lists it (what the import reads of it). */
export interface HubParquetFile {
  config: string;
  split: string;
  url: string;
  filename: string;
}

/** The files of one split of a Hub dataset, and what was chosen. */
export interface HubDatasetFiles {
  id: string;
  config: string;
  split: string;
  files: HubParquetFile[];
  /** The viewer converted only the start of a large dataset (its first 5 GB). */
  partial: boolean;
}

interface ParquetListing {
  parquet_files?: HubParquetFile[];
  partial?: boolean;
  error?: string;
}

/** `preferred` where `names` has it, else the first name. */
const pick = (names: string[], preferred: string) =>
  names.includes(preferred) ? preferred : names[0];

/**
 * The Parquet files of the dataset's subset and split: those the reference names, else the
 * 'default' subset (or the first) and its 'train' split (or the first). Errors say what the Hub
 * said, and what the dataset has where the reference names what it has not.
 */
export async function hubDatasetFiles(
  ref: HubDatasetRef,
  { api = DATASET_VIEWER_API, signal }: { api?: string; signal?: AbortSignal } = {},
): Promise<HubDatasetFiles> {
  const listUrl = `${api}/parquet?dataset=${encodeURIComponent(ref.id)}`;
  let res: Response;
  try {
    res = await fetch(listUrl, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new DownloadError(
      `Hugging Face's dataset viewer (${api}) could not be reached to list "${ref.id}": check ` +
        'the connection, or download its files and drop them here.',
    );
  }
  let listing: ParquetListing = {};
  try {
    listing = (await res.json()) as ParquetListing;
  } catch {
    // The status says what went wrong.
  }
  const files = Array.isArray(listing.parquet_files) ? listing.parquet_files : [];
  if (!res.ok || files.length === 0) {
    // A known dataset may list none while the viewer still converts it.
    const why = res.ok
      ? 'none converted yet'
      : `${res.status}${listing.error ? `: ${listing.error}` : ''}`;
    throw new DownloadError(
      `Hugging Face has no Parquet files of a dataset "${ref.id}" (${why}). Check ` +
        'the name; a private or gated dataset, or one the Hub has not converted yet, cannot be ' +
        'imported by name: download its files and drop them here.',
      res.ok ? undefined : res.status,
    );
  }
  const configs = [...new Set(files.map((f) => f.config))];
  const config = ref.config ?? pick(configs, 'default');
  if (!configs.includes(config)) {
    throw new DownloadError(
      `"${ref.id}" has no subset "${config}"; its subsets: ${configs.join(', ')}.`,
    );
  }
  const ofConfig = files.filter((f) => f.config === config);
  const splits = [...new Set(ofConfig.map((f) => f.split))];
  const split = ref.split ?? pick(splits, 'train');
  if (!splits.includes(split)) {
    throw new DownloadError(
      `"${ref.id}" (subset "${config}") has no split "${split}"; its splits: ${splits.join(', ')}.`,
    );
  }
  return {
    id: ref.id,
    config,
    split,
    files: ofConfig.filter((f) => f.split === split),
    partial: listing.partial === true,
  };
}

/** A file's name in the imported dataset: its dataset, subset and split, not "0000.parquet". */
export function hubFileName(d: HubDatasetFiles, file: HubParquetFile): string {
  const subset = d.config === 'default' ? '' : `${d.config}-`;
  return `${d.id.replace('/', '_')}-${subset}${d.split}-${file.filename}`;
}
