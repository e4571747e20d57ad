import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkTokenizerFromHuggingFace } from '../data/huggingFace';
import { trainTokenizer } from '../data/vocabTrainer';
import { importBundle } from '../export/bundle';
import { bundleFileName } from '../export/checkpointBundle';
import { PYTHON, runPython, torchUnavailable } from '../export/pythonInterop';
import { presetConfig } from '../model/config';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/params';
import { type Checkpoint, encodeCheckpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { randomArray } from '../util/random';
import { exportCheckpointFile } from './export';

const corpus = (
  JSON.parse(await readFile('node_modules/nlp-corpus/builds/doc-0.json', 'utf8')) as string[]
).slice(0, 200);
const tokenizer = trainTokenizer(corpus, { targetSize: 200 });
const config = presetConfig('i3-test', { vocab_size: tokenizer.vocabSize });
const layout = parameterLayout(config);
const skipReason = await torchUnavailable();

/** Random AdamW moments; zero in the layout's alignment padding, as a trained model's are. */
function moments(seed: number, scale: number): Float32Array {
  const random = randomArray(layout.totalFloats, seed, scale);
  const out = new Float32Array(layout.totalFloats);
  for (const t of layout.tensors) out.set(random.subarray(t.offset, t.offset + t.size), t.offset);
  return out;
}

function checkpoint(): Checkpoint {
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

describe('npm run export', () => {
  const ck = checkpoint();
  let work = '';
  let ckptPath = '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'i3-export-'));
    ckptPath = join(work, 'checkpoint-000002.bin');
    await writeFile(ckptPath, await encodeCheckpoint(ck));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes a folder and a zip that import back to the same weights, moments and tokenizer', async () => {
    const dir = join(work, 'bundle');
    const zip = join(work, 'bundle.zip');
    const written = await exportCheckpointFile({ checkpoint: ckptPath, dir, zip });
    expect(written.map(([p]) => p)).toContain(zip);
    const names = (await readdir(dir)).sort();
    expect(names).toContain('optimizer.safetensors');
    expect(names).toContain('pytorch_model.bin');

    const fromZip = importBundle(new Uint8Array(await readFile(zip)));
    const fromDir = importBundle(
      new Map(
        await Promise.all(
          names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const),
        ),
      ),
    );
    for (const b of [fromZip, fromDir]) {
      expect(b.config).toEqual(config);
      expect(b.params).toEqual(ck.params);
      expect(b.optimizer).toEqual({ step: 2, m: ck.adamM, v: ck.adamV });
      expect(b.metrics).toEqual(ck.meta.metrics);
      const back = chunkTokenizerFromHuggingFace(JSON.parse(b.tokenizerJson));
      expect(back.identity()).toBe(tokenizer.identity());
    }
    const readme = await readFile(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('# i3-test #1');
  });

  it('leaves the optimizer out on request', async () => {
    const zip = join(work, 'weights-only.zip');
    await exportCheckpointFile({ checkpoint: ckptPath, zip, optimizer: false });
    const b = importBundle(new Uint8Array(await readFile(zip)));
    expect(b.optimizer).toBeUndefined();
    expect(b.params).toEqual(ck.params);
  });

  it('refuses a damaged checkpoint with the checkpoint error', async () => {
    const bytes = await readFile(ckptPath);
    bytes[bytes.length - 1] ^= 0xff;
    const bad = join(work, 'damaged.bin');
    await writeFile(bad, bytes);
    await expect(
      exportCheckpointFile({ checkpoint: bad, zip: join(work, 'x.zip') }),
    ).rejects.toThrow(/damaged.*checksum mismatch/);
  });

  it('runs as a command: --out FILE.zip', async () => {
    const zip = join(work, bundleFileName(ck.meta.name, ck.meta.step));
    expect(zip).toMatch(/i3-test-1-step2\.zip$/);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/export.ts', '--checkpoint', ckptPath, '--out', zip],
      { timeout: 60_000 },
    );
    expect(stdout).toContain(zip);
    expect(importBundle(new Uint8Array(await readFile(zip))).params).toEqual(ck.params);
  }, 60_000);

  it.skipIf(skipReason !== null)(`torch.load reads pytorch_model.bin (${PYTHON})`, async () => {
    const dir = join(work, 'for-torch');
    await exportCheckpointFile({ checkpoint: ckptPath, dir });
    const script = [
      'import json, sys, torch',
      'sd = torch.load(sys.argv[1], weights_only=True)',
      'print(json.dumps({k: [list(v.shape), str(v.dtype), v.double().sum().item()] for k, v in sd.items()}))',
    ].join('\n');
    const r = await runPython(['-c', script, join(dir, 'pytorch_model.bin')]);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, [number[], string, number]>;
    for (const t of layout.tensors) {
      const [shape, dtype, sum] = got[t.name];
      expect(shape, t.name).toEqual(t.shape);
      expect(dtype).toBe('torch.float32');
      const want = ck.params.subarray(t.offset, t.offset + t.size).reduce((a, v) => a + v, 0);
      // Both sums are float64 over the same float32 values; only the order of addition differs,
      // a relative ~1e-15 per add: 1e-9 absolute on sums of O(1) is far above that, far below any
      // wrong or shifted weight (O(1e-2) per value).
      expect(Math.abs(sum - want), t.name).toBeLessThan(1e-9);
    }
  });
});
