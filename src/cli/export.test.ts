import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkTokenizerFromHuggingFace } from '../data/huggingFace';
import { importBundle } from '../export/bundle';
import { bundleFileName } from '../export/checkpointBundle';
import { PYTHON, runPython, torchUnavailable } from '../export/pythonInterop';
import { fromFloat32, toFloat32 } from '../export/tensorDtype';
import { exportCheckpointFile } from './export';
import { config, layout, testCheckpoint, testCheckpointFile, tokenizer } from './testCheckpoint';

const skipReason = await torchUnavailable();

describe('npm run export', () => {
  const ck = testCheckpoint();
  let work = '';
  let ckptPath = '';
  let remove = async () => {};

  beforeAll(async () => {
    ({ work, path: ckptPath, remove } = await testCheckpointFile(ck));
  });
  afterAll(() => remove());

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

  it('halves a bundle with --bf16: the weights rounded, the moments kept', async () => {
    const full = join(work, 'full.zip');
    await exportCheckpointFile({ checkpoint: ckptPath, zip: full });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/export.ts',
        '--checkpoint',
        full,
        '--bf16',
        '--out',
        join(work, 'half'),
      ],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('model.safetensors');
    const files = await readdir(join(work, 'half'));
    const half = importBundle(
      new Map(
        await Promise.all(
          files.map(
            async (n) => [n, new Uint8Array(await readFile(join(work, 'half', n)))] as const,
          ),
        ),
      ),
    );
    expect(half.params).toEqual(
      toFloat32(fromFloat32(ck.params, 'BF16'), 'BF16', ck.params.length),
    );
    expect(half.optimizer?.m).toEqual(ck.adamM);
  }, 60_000);

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
