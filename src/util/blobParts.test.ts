import { describe, expect, it } from 'vitest';
import { BlobParts } from './blobParts';

describe('blob parts', () => {
  it('gives back every byte added, in order, across parts of 16 MiB', async () => {
    const parts = new BlobParts();
    // 40 chunks of 1 MiB: two full parts and the rest, each chunk's bytes its own.
    const chunk = (i: number) => new Uint8Array(1 << 20).map((_, j) => (i * 7 + j) & 255);
    for (let i = 0; i < 40; i++) parts.add(chunk(i));
    const blob = parts.blob('application/zip');
    expect(blob.type).toBe('application/zip');
    expect(blob.size).toBe(40 << 20);
    const bytes = Buffer.from(await blob.arrayBuffer());
    for (let i = 0; i < 40; i++) {
      expect(bytes.subarray(i << 20, (i + 1) << 20).equals(chunk(i))).toBe(true);
    }
    parts.clear();
    expect(parts.blob('').size).toBe(0);
  });
});
