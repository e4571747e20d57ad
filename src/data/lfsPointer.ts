// A file of a Git LFS repository (Hugging Face's datasets and models are such repositories) that
// was cloned without its LFS objects is a pointer of about 130 bytes where the data should be:
//   version https://git-lfs.github.com/spec/v1
//   oid sha256:…
//   size 1234567
// Imported as text it would be three documents of nonsense, and as weights a corrupt file: both
// importers refuse it with what to do instead.

const SIGNATURE = 'version https://git-lfs.github.com/spec/v1';
/** Pointers are small (the spec keeps them under 1 KiB): larger files are never read for this. */
export const LFS_POINTER_MAX_BYTES = 1024;

/** The size of the data that these bytes, a Git LFS pointer, stand for; undefined if they are not one. */
export function lfsPointerSize(bytes: Uint8Array): number | undefined {
  if (bytes.length > LFS_POINTER_MAX_BYTES) return undefined;
  const text = new TextDecoder().decode(bytes);
  if (!text.startsWith(SIGNATURE)) return undefined;
  const size = /^size (\d+)\s*$/m.exec(text);
  return size ? Number(size[1]) : undefined;
}

/** What a file that is a Git LFS pointer is told (after its name). */
export function lfsPointerProblem(size: number): string {
  return (
    `is a Git LFS pointer, not the file: its ${size.toLocaleString('en-US')} bytes were never ` +
    'downloaded. Run "git lfs pull" in the repository it came from, or download the file itself'
  );
}

/** The size of the data a file stands for where it is a Git LFS pointer (small files are read). */
export async function lfsPointerFileSize(file: {
  size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}): Promise<number | undefined> {
  if (file.size > LFS_POINTER_MAX_BYTES) return undefined;
  return lfsPointerSize(new Uint8Array(await file.slice(0, file.size).arrayBuffer()));
}
