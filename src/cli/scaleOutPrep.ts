// Inputs for train_i3.py made by the studio's own code (docs/scale-out.md): trains a preset for a
// few steps of its full schedule with the Node trainer (WebGPU through the `webgpu` package; on a
// machine without a GPU, SwiftShader), stops, and writes the bundle (with optimizer state and
// training_state.json) and the dataset's shard export.
//   npx tsx src/cli/scaleOutPrep.ts --preset i3-tiny --data public/data/default-corpus.txt.gz \
//     --stop-at 20 --batch 4 --out scaleout
//   → scaleout/bundle/ (the bundle's files) and scaleout/shards.zip
// Flags: --preset, --data (comma-separated), --stop-at (steps trained before export), --steps (the
// schedule's total), --batch, --lr, --warmup, --seed, --vocab, --out.
// And the check of a bundle that came back:
//   npx tsx src/cli/scaleOutPrep.ts --verify continued.zip|continued/
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { loadTextCorpus } from '../data/nodeCorpus';
import { exportShardsZip } from '../data/shardExport';
import { bundleEntries, importBundle } from '../export/bundle';
import { bundleInputFromCheckpoint, datasetSummary } from '../export/checkpointBundle';
import { nodePythonSources } from '../export/pythonInterop';
import { describeAdapter } from '../gpu/device';
import { acquireNodeGpu, nodeShaders } from '../gpu/nodeGpu';
import { GpuRuntime } from '../gpu/runtime';
import { DEFAULT_VOCAB_SIZE, presetConfig } from '../model/config';
import type { Checkpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { prepareRun } from '../train/run';
import { concatChunks } from '../util/concatChunks';
import { numberArg, parseArgs, presetOf, settingsFromArgs } from './args';

async function prepare(args: Record<string, string>): Promise<void> {
  const preset = presetOf(args.preset ?? 'i3-tiny');
  if (!args.data) throw new Error('--data <file[,file…]> is required');
  const out = args.out ?? 'scaleout';
  const stopAt = numberArg(args, 'stop-at', 20);
  const corpus = await loadTextCorpus(args.data.split(','), {
    vocab: { targetSize: numberArg(args, 'vocab', DEFAULT_VOCAB_SIZE) },
  });
  const m = corpus.source.manifest;
  const config = presetConfig(preset, { vocab_size: corpus.tokenizer.vocabSize });
  const base = defaultSettings(preset, config);
  // Checkpoints come from the stop at --stop-at; no evaluation needed for the hand-over.
  const settings = { ...settingsFromArgs(base, args), evalInterval: 0, checkpointInterval: 0 };
  const ctx = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(ctx.info)}; ${m.train.tokens} training tokens`);
  let ck: Checkpoint | undefined;
  const { trainer, destroy } = await prepareRun(new GpuRuntime(ctx, nodeShaders), {
    runId: `${preset}-scaleout`,
    name: `${preset} (scale-out)`,
    config,
    settings,
    source: corpus.source,
    datasetId: m.id,
    tokenizer: m.tokenizer,
    events: {
      onStep: (s) => {
        console.log(`step ${s.step}  loss ${s.loss.toFixed(4)}  ${s.stepMs.toFixed(0)} ms`);
        if (s.step >= stopAt) trainer.stop();
      },
      onEval: () => {},
      onCheckpoint: async (c) => {
        ck = c;
      },
      onState: (state, message) => console.log(`run ${state}${message ? `: ${message}` : ''}`),
    },
  });
  await trainer.train();
  destroy();
  if (!ck) throw new Error('the run wrote no checkpoint');
  const bundle = join(out, 'bundle');
  await mkdir(bundle, { recursive: true });
  const input = bundleInputFromCheckpoint(ck, nodePythonSources(), datasetSummary(m));
  for (const e of bundleEntries(input))
    await writeFile(join(bundle, e.name), concatChunks(e.chunks));
  const shards = Readable.fromWeb(
    exportShardsZip(corpus.store, m) as NodeReadableStream<Uint8Array>,
  );
  await pipeline(shards, createWriteStream(join(out, 'shards.zip')));
  console.log(`${bundle}/ at step ${ck.meta.step} and ${join(out, 'shards.zip')}`);
  process.exit(0);
}

/** Imports a bundle the way the studio does and prints what it holds. */
async function verify(path: string): Promise<void> {
  const src = (await stat(path)).isDirectory()
    ? new Map(
        await Promise.all(
          (await readdir(path)).map(
            async (n) => [n, new Uint8Array(await readFile(join(path, n)))] as const,
          ),
        ),
      )
    : new Uint8Array(await readFile(path));
  const b = importBundle(src);
  const steps = b.metrics?.steps ?? [];
  console.log(
    JSON.stringify({
      ok: b.params.every(Number.isFinite),
      config: b.config,
      weightsFile: b.weightsFile,
      optimizerStep: b.optimizer?.step,
      trainingSteps: b.training?.steps,
      metricsSteps: steps.length,
      lastLoss: steps.at(-1)?.loss,
      lastValLoss: b.metrics?.evals.at(-1)?.valLoss,
    }),
  );
}

const args = parseArgs(process.argv.slice(2));
(args.verify ? verify(args.verify) : prepare(args)).catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
