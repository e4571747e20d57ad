// A checkpoint as the command line names it (--checkpoint, --resume): the studio's checkpoint
// file (`--out`'s checkpoint-*.bin), a Hugging Face bundle (its .zip or folder, as the studio,
// `npm run export` and train_i3.py write it), or a bundle on the web (a Hugging Face model's
// owner/name or address, a .zip's or a folder's URL: src/export/bundleDownload.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DownloadError } from '../data/urlDownload';
import { isZip } from '../export/bundle';
import { bundleLocation, downloadBundle } from '../export/bundleDownload';
import { checkpointOfBundle } from '../export/checkpointBundle';
import { type Checkpoint, decodeCheckpoint } from '../train/checkpoint';

async function readFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile());
  const files = await Promise.all(
    names.map(async (e) => [e.name, new Uint8Array(await readFile(join(dir, e.name)))] as const),
  );
  return new Map(files);
}

export async function loadCheckpoint(arg: string): Promise<Checkpoint> {
  const local = await stat(arg).catch(() => undefined);
  if (local?.isDirectory()) return checkpointOfBundle(await readFolder(arg), basename(arg));
  if (local) {
    const bytes = new Uint8Array(await readFile(arg));
    return isZip(bytes)
      ? checkpointOfBundle(bytes, basename(arg, '.zip'))
      : decodeCheckpoint(bytes);
  }
  try {
    const location = bundleLocation(arg);
    console.log(`downloading the bundle at ${arg} …`);
    return checkpointOfBundle(await downloadBundle(location), location.name);
  } catch (e) {
    if (!(e instanceof DownloadError) || /^https?:\/\//.test(arg)) throw e;
    throw new Error(`${arg} is no file here, and not a model on the web: ${e.message}`);
  }
}
