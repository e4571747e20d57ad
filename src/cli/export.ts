// A checkpoint written by the Node trainer (npm run train) as a Hugging Face bundle: a folder of
// its files, a .zip of them, or both. Weights stream from the decoded checkpoint to disk. The
// checkpoint may be a bundle itself (src/cli/checkpointArg.ts): to halve one with --bf16, say.
//   npm run export -- --checkpoint runs/tiny/checkpoint-000500.bin --out bundles/tiny
//   npm run export -- --checkpoint ckpt.bin --out tiny.zip
// Flags: --checkpoint (required), --out (a folder, or a path ending in .zip), --zip (a .zip as
// well as the folder), --dataset-name (for the model card), --no-optimizer (leave out the AdamW
// moments, which double the bundle's size), --bf16 (the weights in bfloat16: half their size, to
// share the model).
import { mkdir, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntries } from '../export/bundle';
import { asExported, bundleInputFromCheckpoint } from '../export/checkpointBundle';
import { nodePythonSources } from '../export/pythonInterop';
import type { WeightsDtype } from '../export/tensorDtype';
import { zipStream } from '../export/zipStream';
import { parseArgs } from './args';
import { loadCheckpoint } from './checkpointArg';

export interface ExportOptions {
  checkpoint: string;
  /** A folder for the bundle's files. */
  dir?: string;
  /** A .zip of them. */
  zip?: string;
  datasetName?: string;
  optimizer?: boolean;
  /** The weight files' element type; float32 where not given. */
  weightsDtype?: WeightsDtype;
}

async function writeChunks(path: string, chunks: Iterable<Uint8Array>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  let n = 0;
  try {
    for (const chunk of chunks) {
      await file.write(chunk);
      n += chunk.length;
    }
  } finally {
    await file.close();
  }
  return n;
}

/** Writes the bundle; returns each written path with its size in bytes. */
export async function exportCheckpointFile(o: ExportOptions): Promise<[string, number][]> {
  if (!o.dir && !o.zip) throw new Error('give a folder (--out DIR) or a zip (--out FILE.zip)');
  const ck = await loadCheckpoint(o.checkpoint);
  const dataset = o.datasetName ? { name: o.datasetName } : undefined;
  const input = asExported(bundleInputFromCheckpoint(ck, nodePythonSources(), dataset), {
    optimizer: o.optimizer !== false,
    weightsDtype: o.weightsDtype,
  });
  const written: [string, number][] = [];
  if (o.dir) {
    for (const entry of bundleEntries(input)) {
      const path = join(o.dir, entry.name);
      written.push([path, await writeChunks(path, entry.chunks)]);
    }
  }
  if (o.zip) written.push([o.zip, await writeChunks(o.zip, zipStream(bundleEntries(input)))]);
  return written;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.checkpoint) throw new Error('--checkpoint <file written by npm run train> is required');
  const out = args.out;
  const outIsZip = out?.toLowerCase().endsWith('.zip');
  const written = await exportCheckpointFile({
    checkpoint: args.checkpoint,
    dir: outIsZip ? undefined : out,
    zip: outIsZip ? out : args.zip,
    datasetName: args['dataset-name'],
    optimizer: args['no-optimizer'] !== 'true',
    weightsDtype: args.bf16 === 'true' ? 'BF16' : 'F32',
  });
  for (const [path, bytes] of written) console.log(`${bytes.toString().padStart(12)}  ${path}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((e) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  });
}
