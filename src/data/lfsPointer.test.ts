import { describe, expect, it } from 'vitest';
import { importDataset } from './importer';
import { LFS_POINTER_MAX_BYTES, lfsPointerSize } from './lfsPointer';
import { MemoryShardStore } from './shardStore';

// A pointer as `git clone` of a Hugging Face dataset leaves it without git-lfs.
const pointer = `version https://git-lfs.github.com/spec/v1
oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
size 12345678
`;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('Git LFS pointers', () => {
  it('are told from text by their first line and size', () => {
    expect(lfsPointerSize(bytes(pointer))).toBe(12_345_678);
    expect(lfsPointerSize(bytes(`The ${pointer}`))).toBeUndefined();
    // Text that starts as one but runs past a pointer's size is a document about them.
    const long = `${pointer}${'x'.repeat(LFS_POINTER_MAX_BYTES)}`;
    expect(lfsPointerSize(bytes(long))).toBeUndefined();
  });

  it('are refused by an import with what to do, the other files imported', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `Document ${i} of the clone.`).join('\n');
    const { manifest, rejected } = await importDataset(
      [new File([pointer], 'repo/train.jsonl'), new File([text], 'repo/notes.txt')],
      new MemoryShardStore(),
      { newId: () => 'lfs' },
    );
    expect(manifest.files.map((f) => f.name)).toEqual(['repo/notes.txt']);
    expect(rejected.map((e) => e.message)).toEqual([
      'repo/train.jsonl: is a Git LFS pointer, not the file: its 12,345,678 bytes were never ' +
        'downloaded. Run "git lfs pull" in the repository it came from, or download the file itself',
    ]);
  });
});
