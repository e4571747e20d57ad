// Streams a file as text chunks and lines without holding the whole file: raw bytes are counted
// (and optionally hashed) as they arrive, .gz and .zst are inflated on the fly, and decoding is fatal so
// that binary or undecodable input is rejected with a clear message. Text is UTF-8, or UTF-16
// where the file starts with its byte-order mark (what Windows' editors save as "Unicode"), or
// Windows-1252 where it is ASCII up to a byte that UTF-8 refuses and reads as Western European
// text there (what Excel and older Windows editors save).

import { concatChunks } from '../util/concatChunks';
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
  /** The text's encoding, once decoding has told it. */
  encoding?: TextEncoding;
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

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** UTF-16 where the first bytes are its byte-order mark (the decoder drops it), else UTF-8. */
function encodingOf(head: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

const NON_ASCII = /[^\0-\x7f]/;
/** The bytes from where UTF-8 failed that judge Windows-1252 (all that is left, if fewer). */
const LEGACY_SAMPLE = 1 << 12;

/**
 * Whether bytes, from the first that UTF-8 refused in a file that was ASCII until then, look like
 * Western European text in Windows-1252: accented letters among ASCII ones. Bytes over 0x7f in
 * runs are another legacy encoding (Cyrillic, Greek, Chinese, Japanese, ...), which 1252 would
 * garble.
 */
function looksWindows1252(bytes: Uint8Array): boolean {
  let high = 0;
  let runs = 0; // bytes over 0x7f followed by another
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] <= 0x7f) continue;
    high++;
    if (bytes[i + 1] > 0x7f) runs++;
  }
  return high < 16 || runs <= 0.4 * high;
}

// Windows-1252's characters for bytes 0x80-0x9f (0 where it has none: U+0080 and so on, as the
// WHATWG decoder maps them); every other byte is its own code point. Decoded here, not by
// TextDecoder('windows-1252'): Node's (20.x) reads those bytes as Latin-1's control characters.
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161,
  0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** Windows-1252 bytes as text. */
function windows1252(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    units[i] = b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] || b : b;
  }
  let text = '';
  for (let i = 0; i < units.length; i += 8192) {
    text += String.fromCharCode(...units.subarray(i, i + 8192));
  }
  return text;
}

/** Decoded text chunks; throws FileError for undecodable, binary or corrupt input. */
export async function* textChunks(
  file: InputFile,
  tally: ByteTally,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = byteStream(file, tally).getReader();
  const read = async () => {
    try {
      return await reader.read();
    } catch (e) {
      throw new FileError('corrupt', file.name, `could not be read or decompressed (${e})`);
    }
  };
  let encoding: TextEncoding | undefined;
  let decoder = new TextDecoder('utf-8', { fatal: true });
  const compressed = compressionOf(file.name) !== null;
  const notUtf8 = (at: number) =>
    new FileError(
      'encoding',
      file.name,
      `is not UTF-8 text (its first bad character starts at byte offset ${at}` +
        `${compressed ? ' of the decompressed text' : ''}); save it as UTF-8 and drop it again`,
    );
  let decoded = 0; // bytes handed to the decoder (decompressed ones, for .gz and .zst)
  let tail = new Uint8Array(0);
  let ascii = true; // whether the text so far is all ASCII, which Windows-1252 reads alike
  let sawText = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      const chunk = await read();
      let done = chunk.done;
      let bytes = chunk.done ? new Uint8Array(0) : chunk.value;
      if (encoding === undefined && bytes.length > 0) {
        encoding = encodingOf(bytes);
        tally.encoding = encoding;
        decoder = new TextDecoder(encoding, { fatal: true });
        // A UTF-8 byte-order mark (which the decoder drops) says the file is UTF-8: never 1252.
        ascii = !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
      }
      let text: string;
      try {
        if (encoding === 'windows-1252') text = windows1252(bytes);
        else text = done ? decoder.decode() : decoder.decode(bytes, { stream: true });
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
        const bad = firstBadCharacter(tail, bytes);
        const before = concatChunks([tail, bytes]).subarray(0, bad);
        if (!ascii || before.some((b) => b > 0x7f)) {
          throw notUtf8(decoded - tail.length + bad);
        }
        // ASCII up to `bad`: the decoder still holds `tail` from it on. Judged on a sample.
        while (!done && bytes.length < LEGACY_SAMPLE) {
          const next = await read();
          if (next.done) done = true;
          else bytes = concatChunks([bytes, next.value]);
        }
        const held = concatChunks([tail.subarray(Math.min(bad, tail.length)), bytes]);
        if (!looksWindows1252(held)) throw notUtf8(decoded - tail.length + bad);
        encoding = 'windows-1252';
        tally.encoding = encoding;
        text = windows1252(held);
      }
      if (ascii && encoding === 'utf-8') ascii = !NON_ASCII.test(text);
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
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
  if (!sawText) throw emptyFileError(file.name);
}

/**
 * Reads text chunks ahead until `enough` says so of the text read (or they end), for a parser to
 * look at its start: that text, and the chunks again from the first.
 */
export async function readAhead(
  chunks: AsyncIterable<string>,
  enough: (head: string) => boolean,
): Promise<{ head: string; chunks: AsyncIterable<string> }> {
  const it = chunks[Symbol.asyncIterator]();
  let head = '';
  let ended = false;
  while (!enough(head)) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head += r.value;
  }
  const replay = async function* () {
    if (head) yield head;
    if (ended) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  };
  return { head, chunks: replay() };
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
