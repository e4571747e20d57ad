// A small i3-test checkpoint for the command-line tests: a tokenizer trained on part of the
// nlp-corpus package, the spec's initial weights and random AdamW moments.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTokenizer } from '../data/vocabTrainer';
import { presetConfig } from '../model/config';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/params';
import { type Checkpoint, encodeCheckpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { randomArray } from '../util/random';

const corpus = (
  JSON.parse(await readFile('node_modules/nlp-corpus/builds/doc-0.json', 'utf8')) as string[]
).slice(0, 200);
export const tokenizer = trainTokenizer(corpus, { targetSize: 200 });
export const config = presetConfig('i3-test', { vocab_size: tokenizer.vocabSize });
export const layout = parameterLayout(config);

/** Random AdamW moments; zero in the layout's alignment padding, as a trained model's are. */
function moments(seed: number, scale: number): Float32Array {
  const random = randomArray(layout.totalFloats, seed, scale);
  const out = new Float32Array(layout.totalFloats);
  for (const t of layout.tensors) out.set(random.subarray(t.offset, t.offset + t.size), t.offset);
  return out;
}

export function testCheckpoint(): Checkpoint {
  const step = { perplexity: 40, lr: 1e-3, gradNorm: 1, tokensPerSec: 128 };
  return {
    meta: {
      runId: 'run-1',
      name: 'i3-test #1',
      step: 2,
      tokens: 128,
      time: 1,
      createdAt: 0,
      config,
      settings: defaultSettings('i3-test', config),
      tokenizerId: tokenizer.identity(),
      tokenizer: tokenizer.toJSON(),
      datasetId: 'd',
      dataCursor: { position: 3 },
      metrics: {
        steps: [
          { ...step, step: 1, tokens: 64, time: 0.5, loss: 3.75, stepMs: 500 },
          { ...step, step: 2, tokens: 128, time: 1, loss: 3.5, stepMs: 250 },
        ],
        evals: [{ step: 2, tokens: 128, time: 1, valLoss: 3.625, valPerplexity: 37.5 }],
      },
    },
    params: initParameters(config, 7),
    adamM: moments(8, 0.01),
    adamV: moments(9, 0.001).map(Math.abs),
  };
}

/**
 * A checkpoint written as `checkpoint-000002.bin` in a new temporary folder, for the commands to
 * read (and the tests to write next to); remove() deletes the folder.
 */
export async function testCheckpointFile(ck: Checkpoint) {
  const work = await mkdtemp(join(tmpdir(), 'i3-cli-'));
  const path = join(work, 'checkpoint-000002.bin');
  await writeFile(path, await encodeCheckpoint(ck));
  return { work, path, remove: () => rm(work, { recursive: true, force: true }) };
}
