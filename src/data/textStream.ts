// Streams a file as text chunks and lines without holding the whole file: raw bytes are counted
// (and optionally hashed) as they arrive, .gz and .zst are inflated on the fly, and decoding is fatal so
// that binary or undecodable input is rejected with a clear message. Text is UTF-8, or UTF-16
// where the file starts with its byte-order mark (what Windows' editors save as "Unicode").

import { compressionOf, decompression } from './compression';
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

/** The error for a file with no text in it (no bytes, or only blank lines). */
export function emptyFileError(file: string): FileError {
  return new FileError('empty', file, 'has no text in it; drop a file that has some');
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

/** The file's bytes, decompressed where its name says so (.gz, .zst), tallied as they are read. */
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
  const compression = compressionOf(file.name);
  return compression ? counted.pipeThrough(decompression(compression)) : counted;
}

/** The bytes of a UTF-8 character that starts with `lead` (1 for a byte that starts none). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return lead >= 0xc0 ? 2 : 1;
}

/**
 * Where the first character that is not UTF-8 starts in `tail` + `bytes`, which a fatal decoder
 * refused: `tail` is the last (up to 3) bytes decoded before `bytes`, which may hold the start of
 * an unfinished character. A stream decoder reports an error only once a character cannot go on,
 * often a byte or more after it starts (a Latin-1 'é' is refused at the byte after it).
 */
function firstBadCharacter(tail: Uint8Array, bytes: Uint8Array): number {
  const buf = new Uint8Array(tail.length + bytes.length);
  buf.set(tail);
  buf.set(bytes, tail.length);
  // Start at the unfinished character of `tail`, if any: the decoder still holds it.
  let from = tail.length;
  for (let j = 0; j < tail.length; j++) {
    if (buf[j] >= 0xc0 && j + sequenceLength(buf[j]) > tail.length) from = j;
  }
  const decodes = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(from, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (decodes(buf.length)) return from; // refused only at the end: an unfinished last character
  // buf[from, lo) decodes and buf[from, hi) does not, so buf[hi − 1] is where decoding fails.
  let lo = from;
  let hi = buf.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (decodes(mid)) lo = mid;
    else hi = mid;
  }
  // The character it fails in starts at the lead byte just before it, if that lead still waits
  // for continuation bytes; otherwise at buf[hi − 1] itself.
  const failAt = hi - 1;
  let j = failAt - 1;
  while (j >= from && buf[j] >= 0x80 && buf[j] < 0xc0) j--; // continuation bytes
  return j >= from && buf[j] >= 0xc0 && j + sequenceLength(buf[j]) > failAt ? j : failAt;
}

type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** UTF-16 where the first bytes are its byte-order mark (the decoder drops it), else UTF-8. */
function encodingOf(head: Uint8Array): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** Decoded text chunks; throws FileError for undecodable, binary or corrupt input. */
export async function* textChunks(
  file: InputFile,
  tally: ByteTally,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = byteStream(file, tally).getReader();
  let encoding: TextEncoding | undefined;
  let decoder = new TextDecoder('utf-8', { fatal: true });
  const compressed = compressionOf(file.name) !== null;
  let decoded = 0; // bytes handed to the decoder (decompressed ones, for .gz and .zst)
  let tail = new Uint8Array(0);
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
      const bytes = chunk.done ? new Uint8Array(0) : chunk.value;
      if (encoding === undefined && bytes.length > 0) {
        encoding = encodingOf(bytes);
        decoder = new TextDecoder(encoding, { fatal: true });
      }
      let text: string;
      try {
        text = chunk.done ? decoder.decode() : decoder.decode(bytes, { stream: true });
      } catch {
        if (encoding !== 'utf-8') {
          throw new FileError(
            'encoding',
            file.name,
            `starts as UTF-16 text (${encoding === 'utf-16le' ? 'little' : 'big'}-endian) but ` +
              `breaks off in the ${bytes.length} bytes from offset ${decoded}` +
              `${compressed ? ' of the decompressed text' : ''}; save it as UTF-8 and drop it again`,
          );
        }
        const at = decoded - tail.length + firstBadCharacter(tail, bytes);
        throw new FileError(
          'encoding',
          file.name,
          `is not UTF-8 text (its first bad character starts at byte offset ${at}` +
            `${compressed ? ' of the decompressed text' : ''}); save it as UTF-8 and drop it again`,
        );
      }
      decoded += bytes.length;
      tail = Uint8Array.from([...tail, ...bytes.subarray(Math.max(0, bytes.length - 3))]).slice(-3);
      if (text.includes('\0')) {
        throw new FileError(
          'binary',
          file.name,
          'looks binary (it contains NUL bytes), not text; drop a text, JSON, CSV or parquet file',
        );
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
  if (!sawText) throw emptyFileError(file.name);
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
