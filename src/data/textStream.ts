// Streams a file as UTF-8 text chunks and lines without holding the whole file: raw bytes are
// counted (and optionally hashed) as they arrive, .gz is inflated on the fly, and decoding is
// fatal so that binary or non-UTF-8 input is rejected with a clear message.

import { Sha256 } from './sha256';

/** A dropped file: File and Blob satisfy it; so does fs.openAsBlob in Node. */
export interface InputFile {
  readonly name: string;
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export type FileErrorKind =
  | 'empty'
  | 'binary'
  | 'encoding'
  | 'unsupported'
  | 'duplicate'
  | 'corrupt'
  | 'column';

/** A problem that makes a whole file unusable; message is written for the UI. */
export class FileError extends Error {
  constructor(
    readonly kind: FileErrorKind,
    readonly file: string,
    message: string,
    readonly columns?: string[],
  ) {
    super(`${file}: ${message}`);
    this.name = 'FileError';
  }
}

export interface ByteTally {
  /** Raw (possibly compressed) bytes read so far. */
  bytes: number;
  hash?: Sha256;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('import cancelled', 'AbortError');
}

/** SHA-256 of the file's raw bytes, streamed. */
export async function hashFile(file: InputFile, signal?: AbortSignal): Promise<string> {
  const hash = new Sha256();
  const reader = file.stream().getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    throwIfAborted(signal);
    hash.update(r.value);
  }
  return hash.hex();
}

/** The file's bytes, gunzipped when the name ends in .gz, tallied as they are read. */
export function byteStream(file: InputFile, tally: ByteTally): ReadableStream<Uint8Array> {
  const counted = file.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        tally.bytes += chunk.length;
        tally.hash?.update(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  if (!file.name.toLowerCase().endsWith('.gz')) return counted;
  return counted.pipeThrough(
    new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
}

/** Decoded text chunks; throws FileError for undecodable, binary or corrupt input. */
export async function* textChunks(
  file: InputFile,
  tally: ByteTally,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = byteStream(file, tally).getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let sawText = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new FileError('corrupt', file.name, `could not be read or decompressed (${e})`);
      }
      let text: string;
      try {
        text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      } catch {
        throw new FileError(
          'encoding',
          file.name,
          `is not UTF-8 text (near byte ${tally.bytes}); save it as UTF-8 and drop it again`,
        );
      }
      if (text.includes('\0')) {
        throw new FileError('binary', file.name, 'looks binary (contains NUL bytes), not text');
      }
      if (text.length > 0) {
        sawText = true;
        yield text;
      }
      if (chunk.done) break;
    }
  } finally {
    reader.releaseLock();
  }
  if (!sawText) throw new FileError('empty', file.name, 'is empty');
}

/** Lines (without \n or \r\n) with 1-based line numbers. */
export async function* lines(
  chunks: AsyncIterable<string>,
): AsyncGenerator<{ text: string; line: number }> {
  let carry = '';
  let line = 0;
  for await (const chunk of chunks) {
    const s = carry ? carry + chunk : chunk;
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: s.slice(start, end), line: ++line };
      start = nl + 1;
    }
    carry = s.slice(start);
  }
  if (carry) yield { text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, line: ++line };
}
