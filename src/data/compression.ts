// The compressed wrappers a text file may come in, told by its name's last suffix: gzip (.gz,
// inflated by the browser's DecompressionStream) and Zstandard (.zst, the form of many large
// corpora such as SlimPajama's .jsonl.zst shards, inflated by fzstd as the bytes arrive, each
// frame's checksum checked).

import { Decompress } from 'fzstd';
import xxhash, { type XXHash } from 'xxhash-wasm';
import { concatChunks } from '../util/concatChunks';
import { FrameWalker } from './zstdFrames';

export type Compression = 'gzip' | 'zstd';

const SUFFIXES: Record<string, Compression> = { gz: 'gzip', zst: 'zstd' };

/** The first bytes of each compression's files. */
const MAGIC: Record<Compression, number[]> = {
  gzip: [0x1f, 0x8b],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
};

/** How a file of this name is compressed, by its last suffix (null: not at all). */
export function compressionOf(name: string): Compression | null {
  return SUFFIXES[name.toLowerCase().split('.').at(-1) ?? ''] ?? null;
}

/** The name without its compression suffix (the name itself when it has none). */
export function withoutCompression(name: string): string {
  return compressionOf(name) ? name.slice(0, name.lastIndexOf('.')) : name;
}

/** Whether `head` (a file's first bytes, at least 4) starts as `compression`'s files do. */
export function startsAs(compression: Compression, head: Uint8Array): boolean {
  return MAGIC[compression].every((b, i) => head[i] === b);
}

/**
 * What the zstd stream hands fzstd at a time. A block that a push cuts off is decoded again from
 * its start at the next push: 40 MB of English-like text in a file's 64 KiB reads (blocks are up
 * to 128 KiB) decoded at 66 MB/s, in 1 MiB pushes at 108 (fzstd alone, a 2-core CPU machine).
 */
const ZSTD_PUSH_BYTES = 1 << 20;

/**
 * Zstandard decompression as a stream; corrupt or cut-off input, or a frame whose content fails its
 * checksum, errors the stream. fzstd decodes; each frame's decompressed bytes are hashed (XXH64)
 * as they come and checked at the frame's end, which FrameWalker finds in the input, so the input
 * goes to fzstd cut at frame ends.
 */
function zstdStream(): TransformStream<Uint8Array, Uint8Array> {
  let zstd: Decompress;
  let create64: () => XXHash<bigint>;
  let hash: XXHash<bigint>;
  const frames = new FrameWalker();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const push = (final: boolean) => {
    const input = concatChunks(pending);
    pending = [];
    pendingBytes = 0;
    let from = 0;
    for (const { end, checksum } of frames.walk(input)) {
      zstd.push(input.subarray(from, end));
      from = end;
      if (checksum !== null && Number(hash.digest() & 0xffffffffn) !== checksum) {
        throw new Error('a Zstandard frame fails its checksum: the file is damaged');
      }
      hash = create64();
    }
    zstd.push(input.subarray(from), final);
  };
  return new TransformStream({
    async start(controller) {
      ({ create64 } = await xxhash());
      hash = create64();
      zstd = new Decompress((chunk) => {
        hash.update(chunk);
        controller.enqueue(chunk);
      });
    },
    transform(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= ZSTD_PUSH_BYTES) push(false);
    },
    flush() {
      push(true);
    },
  });
}

/** A stream that decompresses `compression`. */
export function decompression(compression: Compression): TransformStream<Uint8Array, Uint8Array> {
  if (compression === 'zstd') return zstdStream();
  return new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
}
