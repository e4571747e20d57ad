// Fetching a dataset file from a URL (a Hugging Face or GitHub file, any server that allows it),
// for the importer to read like a dropped file. The body streams in with progress and can be
// cancelled; what cannot be read gets a message that says why and what to do instead. The body
// is gathered into blob storage as it comes (BlobParts), not held in arrays to its end.

import { BlobParts } from '../util/blobParts';
import { compressionOf, startsAs, withoutCompression } from './compression';

/** Why a URL gave no file, in words for the user. */
export class DownloadError extends Error {
  constructor(
    message: string,
    /** The server's answer where it gave one that was not a file (404, 401, ...). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadProgress {
  received: number;
  /** From Content-Length, where the server sends it and it is the file's (not compressed). */
  total?: number;
  /** Where one file of several comes in: its name, and its place in the list (from 0). */
  file?: string;
  index?: number;
  of?: number;
}

/**
 * The URL of the file itself where `url` is the web page that shows it: Hugging Face's
 * `…/blob/<rev>/<path>` becomes `…/resolve/<rev>/<path>`, GitHub's `github.com/<owner>/<repo>/
 * blob/<ref>/<path>` becomes `raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>`.
 */
export function directFileUrl(url: string): string {
  const u = new URL(url.trim());
  if (u.hostname === 'huggingface.co') {
    u.pathname = u.pathname.replace(
      /^(\/(?:datasets\/|spaces\/)?[^/]+\/[^/]+)\/blob\//,
      '$1/resolve/',
    );
  } else if (u.hostname === 'github.com') {
    const m = u.pathname.match(/^\/([^/]+)\/([^/]+)\/blob\/(.+)$/);
    if (m) return `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${m[3]}`;
  }
  return u.toString();
}

/** The file's name: the Content-Disposition filename, else the URL path's last segment. */
export function fileNameOf(url: string, contentDisposition?: string | null): string {
  const star = contentDisposition?.match(/filename\*=(?:UTF-8'')?([^;]+)/i);
  const plain = contentDisposition?.match(/filename="?([^";]+)"?/i);
  const fromHeader = star ? decodeURIComponent(star[1].trim()) : plain?.[1].trim();
  if (fromHeader) return fromHeader;
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : 'download';
}

/** Downloads `url` (through directFileUrl) as a File, reporting progress as the body arrives. */
export async function downloadFile(
  url: string,
  options: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {},
): Promise<File> {
  let target: string;
  try {
    target = directFileUrl(url);
  } catch {
    throw new DownloadError(`"${url}" is not a web address (it should start with https://).`);
  }
  let res: Response;
  try {
    res = await fetch(target, { signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw new DownloadError(
      `${target} could not be read: the server cannot be reached, or it does not let other sites ` +
        'read its files (CORS). Download the file and drop it here instead.',
    );
  }
  if (!res.ok) {
    throw new DownloadError(
      `${target} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: check the ` +
        'address, and that the file is public.',
      res.status,
    );
  }
  if (res.headers.get('content-type')?.startsWith('text/html')) {
    throw new DownloadError(
      `${target} is a web page, not a data file. Use the address of the file itself (on Hugging ` +
        "Face, the file's download link).",
    );
  }
  const total = Number(res.headers.get('content-length')) || undefined;
  const parts = new BlobParts();
  let head = new Uint8Array();
  let received = 0;
  const reader = res.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    if (head.length < 4) head = Uint8Array.from([...head, ...value.subarray(0, 4 - head.length)]);
    parts.add(value);
    received += value.byteLength;
    // Past Content-Length the transfer was compressed: that length was not the file's.
    options.onProgress?.({ received, total: total && received <= total ? total : undefined });
    // Node's fetch never settles a read after an abort that came once the body was all in.
    options.signal?.throwIfAborted();
  }
  let name = fileNameOf(res.url || target, res.headers.get('content-disposition'));
  // Some servers send .gz (or .zst) files with Content-Encoding: gzip (zstd), and fetch inflates
  // them: name the file by its content, not by its URL.
  const compression = compressionOf(name);
  if (compression && !startsAs(compression, head)) name = withoutCompression(name);
  const type = res.headers.get('content-type') ?? '';
  // A File of the Blob refers to its parts; it copies nothing.
  return new File([parts.blob(type)], name, { type });
}
