import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { parameterLayout } from '../model/params';
import { defaultSettings } from '../train/defaults';
import { randomArray } from '../util/random';
import { browserPythonSources } from './browserPythonSources';
import { bundleEntries, exportBundle, IMPORTED_FILES, importBundle } from './bundle';
import { nodePythonSources } from './pythonInterop';
import { fromFloat32, toFloat32 } from './tensorDtype';
import { readAll, testBundleInput } from './testFixtures';
import { zipStream } from './zipStream';

const config = PRESETS['i3-test'];
const layout = parameterLayout(config);

const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];

describe('bundle', () => {
  it('streams one zip with every file of the bundle', async () => {
    const files = unzipSync(await readAll(exportBundle(testBundleInput())));
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.md',
        'config.json',
        'configuration_i3.py',
        'generation_config.json',
        'loss_curve.svg',
        'metrics.csv',
        'model.safetensors',
        'modeling_i3.py',
        'pytorch_model.bin',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'train_i3.py',
      ].sort(),
    );
    expect(new TextDecoder().decode(files['modeling_i3.py'])).toContain('class I3ForCausalLM');
  });

  it('ships the same Python files in the browser as in Node', () => {
    expect(browserPythonSources).toEqual(nodePythonSources());
  });

  it('streams the weights as views of params, never copies', () => {
    const input = testBundleInput();
    let viewed = 0;
    for (const chunk of zipStream(bundleEntries(input))) {
      if (chunk.buffer === input.params.buffer) viewed += chunk.length;
    }
    // Every tensor's bytes, once for model.safetensors and once for pytorch_model.bin.
    const tensorBytes = input.layout.tensors.reduce((n, t) => n + 4 * t.size, 0);
    expect(viewed).toBe(2 * tensorBytes);
  });

  it('round-trips: export → import → export gives byte-identical weight files', async () => {
    const input = testBundleInput();
    const first = await readAll(exportBundle(input));
    const imported = importBundle(first);
    expect(imported.config).toEqual(config);
    expect(imported.params).toEqual(input.params);
    expect(imported.tokenizerJson).toBe(input.tokenizerJson);
    expect(imported.metrics).toEqual(input.metrics);
    expect(imported.weightsFile).toBe('model.safetensors');
    const second = await readAll(
      exportBundle({ ...input, params: imported.params, config: imported.config }),
    );
    const [a, b] = [unzipSync(first), unzipSync(second)];
    for (const f of WEIGHT_FILES) expect(Buffer.from(b[f]).equals(Buffer.from(a[f])), f).toBe(true);
  });

  it('writes the weights in bfloat16 to share: half the files, read back as their roundings', async () => {
    const input = testBundleInput(6);
    const f32 = unzipSync(await readAll(exportBundle(input)));
    const bf16 = unzipSync(await readAll(exportBundle({ ...input, weightsDtype: 'BF16' })));
    const rounded = toFloat32(fromFloat32(input.params, 'BF16'), 'BF16', input.params.length);
    expect(rounded).not.toEqual(input.params);
    for (const file of WEIGHT_FILES) {
      const only = Object.fromEntries(
        Object.entries(bf16).filter(([n]) => n !== 'model.safetensors' || file === n),
      );
      const imported = importBundle(
        new Map(Object.entries(file === 'model.safetensors' ? bf16 : only)),
      );
      expect(imported.weightsFile).toBe(file);
      expect(imported.params).toEqual(rounded);
      // Two bytes fewer a weight (each tensor's data aligned to 64 bytes in pytorch_model.bin).
      const weights = layout.tensors.reduce((n, t) => n + t.size, 0);
      expect(f32[file].length - bf16[file].length).toBeGreaterThan(
        2 * weights - 64 * layout.tensors.length,
      );
    }
    expect(new TextDecoder().decode(bf16['README.md'])).toContain(
      'in bfloat16 (rounded from the float32',
    );
    expect(new TextDecoder().decode(f32['README.md'])).not.toContain('bfloat16');
  });

  it('imports from pytorch_model.bin alone, from a zipped folder, and from a file map', async () => {
    const input = testBundleInput(9);
    const files = unzipSync(await readAll(exportBundle(input)));
    delete files['model.safetensors'];
    const nested = Object.fromEntries(Object.entries(files).map(([n, d]) => [`my-model/${n}`, d]));
    const fromBin = importBundle(zipSync(nested));
    expect(fromBin.weightsFile).toBe('pytorch_model.bin');
    expect(fromBin.params).toEqual(input.params);
    expect(importBundle(new Map(Object.entries(files))).params).toEqual(input.params);
  });

  it('carries the optimizer state when given', async () => {
    const n = layout.totalFloats;
    // Moments live only where parameters do: zero the padding as the trainer's buffers have it.
    const masked = (a: Float32Array) => {
      const out = new Float32Array(n);
      for (const t of layout.tensors) out.set(a.subarray(t.offset, t.offset + t.size), t.offset);
      return out;
    };
    const optimizer = {
      step: 42,
      m: masked(randomArray(n, 1)),
      v: masked(randomArray(n, 2, 0.01).map(Math.abs)),
    };
    const imported = importBundle(await readAll(exportBundle({ ...testBundleInput(), optimizer })));
    expect(imported.optimizer).toEqual(optimizer);
  });

  it('carries the training state when given, for train_i3.py and a later import', async () => {
    const training = {
      steps: 42,
      tokens: 42 * 32,
      time: 12.5,
      settings: defaultSettings('i3-test', config),
      device: 'SwiftShader',
    };
    const files = unzipSync(await readAll(exportBundle({ ...testBundleInput(), training })));
    expect(JSON.parse(new TextDecoder().decode(files['training_state.json']))).toEqual(training);
    expect(importBundle(new Map(Object.entries(files))).training).toEqual(training);
    delete files['training_state.json'];
    expect(importBundle(new Map(Object.entries(files))).training).toBeUndefined();
  });

  it('reads only IMPORTED_FILES, which a folder dropped as a bundle is cut down to', async () => {
    const optimizer = {
      step: 3,
      m: new Float32Array(layout.totalFloats),
      v: new Float32Array(layout.totalFloats),
    };
    const training = {
      steps: 3,
      tokens: 96,
      time: 1,
      settings: defaultSettings('i3-test', config),
      device: 'x',
    };
    const files = unzipSync(
      await readAll(exportBundle({ ...testBundleInput(), optimizer, training })),
    );
    const read = Object.entries(files).filter(([name]) => IMPORTED_FILES.has(name));
    expect(read.length).toBeLessThan(Object.keys(files).length);
    expect(importBundle(new Map(read))).toEqual(importBundle(new Map(Object.entries(files))));
  });

  describe('rejects broken bundles with a clear message', () => {
    const goodFiles = async () => unzipSync(await readAll(exportBundle(testBundleInput())));
    const edit = async (change: (f: Record<string, Uint8Array>) => void) => {
      const f = await goodFiles();
      change(f);
      return () => importBundle(new Map(Object.entries(f)));
    };
    const setJson = (
      f: Record<string, Uint8Array>,
      name: string,
      patch: Record<string, unknown>,
    ) => {
      const j = JSON.parse(new TextDecoder().decode(f[name]));
      f[name] = new TextEncoder().encode(JSON.stringify({ ...j, ...patch }));
    };

    it('truncated or corrupt zip', async () => {
      const zip = await readAll(exportBundle(testBundleInput()));
      expect(() => importBundle(zip.subarray(0, zip.length - 100))).toThrow(/not a readable zip/);
      expect(() => importBundle(new Uint8Array(200))).toThrow(/not a readable zip/);
    });

    it('missing files', async () => {
      expect(await edit((f) => delete f['config.json'])).toThrow('the bundle has no config.json');
      expect(await edit((f) => delete f['tokenizer.json'])).toThrow(
        'the bundle has no tokenizer.json',
      );
      expect(
        await edit((f) => {
          delete f['model.safetensors'];
          delete f['pytorch_model.bin'];
        }),
      ).toThrow(/no weights: neither model.safetensors nor pytorch_model.bin/);
    });

    it('Git LFS pointers where the files should be (a clone without its LFS objects)', async () => {
      const pointer = (size: number) =>
        new TextEncoder().encode(
          `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize ${size}\n`,
        );
      expect(await edit((f) => (f['model.safetensors'] = pointer(302_512)))).toThrow(
        'model.safetensors is a Git LFS pointer, not the file: its 302,512 bytes were never downloaded. Run "git lfs pull"',
      );
      expect(await edit((f) => (f['optimizer.safetensors'] = pointer(605_024)))).toThrow(
        'optimizer.safetensors is a Git LFS pointer',
      );
      // A file the import does not read may be a pointer: the bundle still imports.
      expect(await edit((f) => (f['logo.png'] = pointer(9_000)))).not.toThrow();
    });

    it('unknown model_type', async () => {
      expect(await edit((f) => setJson(f, 'config.json', { model_type: 'llama' }))).toThrow(
        'unknown model_type "llama" in config.json',
      );
    });

    it('invalid config', async () => {
      expect(await edit((f) => setJson(f, 'config.json', { n_heads: 3 }))).toThrow(
        'invalid config.json: d_model (16) must be divisible by n_heads (3)',
      );
      expect(await edit((f) => setJson(f, 'config.json', { d_state: undefined }))).toThrow(
        'config.json lacks d_state',
      );
      expect(await edit((f) => (f['config.json'] = new TextEncoder().encode('{')))).toThrow(
        /not valid JSON/,
      );
    });

    it('shape mismatch', async () => {
      // The weights of a model with d_state 4 under a config that says 8.
      expect(await edit((f) => setJson(f, 'config.json', { d_state: 8 }))).toThrow(
        'model.safetensors: model.layers.0.ssm.x_proj.weight has shape [10,16] but config.json implies [18,16]',
      );
    });

    it('corrupt weights file', async () => {
      expect(
        await edit((f) => (f['model.safetensors'] = f['model.safetensors'].subarray(0, 1000))),
      ).toThrow(/model.safetensors is corrupt: .*truncated/);
    });
  });
});
