// A stored (uncompressed) zip written lazily with fflate: each entry's bytes are pulled from an
// iterable only when the consumer asks for more output, so weights pass through as views of the
// parameter buffer and the archive never exists whole in memory.

import { Zip, ZipPassThrough } from 'fflate';

export interface ZipEntry {
  name: string;
  /** The entry's bytes in order, pulled lazily (may be views of a live buffer, or a generator). */
  chunks: Iterable<Uint8Array>;
  /** Start the entry's data at a multiple of this many bytes from the archive's start. */
  align?: number;
  /**
   * The entry's length in bytes where it is known without pulling the chunks (which may compute
   * them: rounding, an inner archive's checksums); a file's headers may be left out of it.
   */
  size?: number;
}

/**
 * The entries' bytes, a little under the archive's size (its headers are left out), for progress:
 * each entry's stated size, else the length of its chunks.
 */
export function zipDataBytes(entries: Iterable<ZipEntry>): number {
  let n = 0;
  for (const entry of entries) {
    if (entry.size !== undefined) n += entry.size;
    else for (const c of entry.chunks) n += c.length;
  }
  return n;
}

/** The extra-field id PyTorch pads local headers with ("FB"), filled with 'Z'. */
const PAD_EXTRA_ID = 0x4246;
const LOCAL_HEADER_BYTES = 30;
/** Built from local-time fields, so every time zone writes the same DOS date (1980-01-01 00:00). */
const FIXED_MTIME = new Date(1980, 0, 1);
const encoder = new TextEncoder();

/** Whole archive as chunks; entries are written one after the other in the order given. */
export function* zipStream(entries: Iterable<ZipEntry>): Generator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else pending.push(data);
  });
  let written = 0;
  // fflate calls back synchronously: after each push, whatever it produced is ready to hand out.
  function* flush(): Generator<Uint8Array> {
    if (failure) throw failure;
    const ready = pending;
    pending = [];
    for (const chunk of ready) {
      written += chunk.length;
      yield chunk;
    }
  }
  for (const entry of entries) {
    const file = new ZipPassThrough(entry.name);
    file.mtime = FIXED_MTIME;
    if (entry.align) {
      // Every earlier entry is complete, so `written` is this local header's offset.
      const dataStart = written + LOCAL_HEADER_BYTES + encoder.encode(entry.name).length + 4;
      const pad = (entry.align - (dataStart % entry.align)) % entry.align;
      file.extra = { [PAD_EXTRA_ID]: new Uint8Array(pad).fill(0x5a) };
    }
    zip.add(file);
    for (const chunk of entry.chunks) {
      if (chunk.length === 0) continue;
      file.push(chunk);
      yield* flush();
    }
    file.push(new Uint8Array(0), true);
    yield* flush();
  }
  zip.end();
  yield* flush();
}

/**
 * Chunks as a ReadableStream that takes the next one only when the reader pulls; `beforePull`, when
 * given, runs first on every pull (to load what the next chunks need).
 */
export function pullStream(
  chunks: Generator<Uint8Array>,
  beforePull?: () => Promise<void>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await beforePull?.();
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      chunks.return(undefined);
    },
  });
}
