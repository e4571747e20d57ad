import { describe, expect, it } from 'vitest';
import { zstdSync } from './testZstd';
import { type FrameEnd, FrameWalker } from './zstdFrames';

// Frames as the zstd tool writes them, with and without a checksum and a content size, one of
// many blocks, and a skippable frame, walked in pieces of every size the stream might come in.

const text = Array.from({ length: 4000 }, (_, i) => `line ${i}: ${'abc'.repeat(i % 7)}\n`).join('');
const skippable = Uint8Array.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]); // 0x184d2a5a

const frames = [
  zstdSync(text), // no content size (read from a pipe), a checksum
  zstdSync(text.slice(0, 500), '--no-check'),
  skippable,
  zstdSync(text, `--stream-size=${text.length}`, '-1', '-B2048'), // a content size, many blocks
  zstdSync('x'.repeat(300_000)), // RLE blocks
];
const stream = Uint8Array.from(frames.flatMap((f) => [...f]));

/** The checksum the tool wrote at a frame's end, where it wrote one. */
const trailing = (f: Uint8Array, checked: boolean) =>
  checked ? new DataView(f.buffer, f.byteOffset + f.length - 4).getUint32(0, true) : null;

describe('Zstandard frames', () => {
  it('end where the tool ended them, with the checksums it wrote, however the stream is cut', () => {
    const want: FrameEnd[] = [];
    let end = 0;
    for (const [i, f] of frames.entries()) {
      end += f.length;
      want.push({ end, checksum: trailing(f, i !== 1 && i !== 2) });
    }
    for (const piece of [1, 7, 4096, stream.length]) {
      const walker = new FrameWalker();
      const got: FrameEnd[] = [];
      for (let at = 0; at < stream.length; at += piece) {
        const ends = walker.walk(stream.subarray(at, at + piece));
        got.push(...ends.map((e) => ({ ...e, end: at + e.end })));
      }
      expect(got).toEqual(want);
    }
  });

  it('stop at bytes that are no frame, which fzstd then reports', () => {
    const walker = new FrameWalker();
    expect(walker.walk(Uint8Array.from([...frames[0], 1, 2, 3, 4, ...frames[1]]))).toEqual([
      { end: frames[0].length, checksum: trailing(frames[0], true) },
    ]);
  });
});
