import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../data/urlDownload';
import { BundleImportError, exportBundle, importBundle } from './bundle';
import { type BundleDownloadProgress, bundleLocation, downloadBundle } from './bundleDownload';
import { readAll, testBundleInput } from './testFixtures';

const input = testBundleInput();
let zip: Uint8Array;
let files: Record<string, Uint8Array>;

// A real HTTP server on a free port, in the shapes a bundle takes on the web: a whole folder, one
// whose weights are only pytorch_model.bin, one without weights, another model's, and a zip.
let server: Server;
let base: string;
const asked: string[] = [];

function folderFile(dir: string, name: string): Uint8Array | undefined {
  const only = (names: string[]) => (names.includes(name) ? files[name] : undefined);
  switch (dir) {
    case 'demo':
      return files[name];
    case 'torch':
      return only(['config.json', 'tokenizer.json', 'pytorch_model.bin']);
    case 'bare':
      return only(['config.json', 'tokenizer.json']);
    case 'gpt2':
      return name === 'config.json'
        ? new TextEncoder().encode('{"model_type": "gpt2"}')
        : files[name];
  }
}

beforeAll(async () => {
  zip = await readAll(exportBundle(input));
  files = unzipSync(zip);
  server = createServer((req, res) => {
    asked.push(req.url!);
    const [, dir, name] = req.url!.split('/');
    const body = req.url === '/demo.zip' ? zip : folderFile(dir, name);
    if (!body) {
      res.writeHead(404, 'Not Found');
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('where a bundle lies', () => {
  const hf = 'https://huggingface.co';
  it('reads a Hugging Face model from its id or any page of it', () => {
    const main = { kind: 'folder', base: `${hf}/alice/i3-demo/resolve/main/`, name: 'i3-demo' };
    expect(bundleLocation(' alice/i3-demo ')).toEqual(main);
    expect(bundleLocation(`${hf}/alice/i3-demo`)).toEqual(main);
    expect(bundleLocation(`${hf}/alice/i3-demo/discussions`)).toEqual(main);
    expect(bundleLocation('https://hf.co/alice/i3-demo/tree/v2')).toEqual({
      ...main,
      base: `${hf}/alice/i3-demo/resolve/v2/`,
    });
    expect(bundleLocation(`${hf}/alice/i3-demo/tree/main/step-500`).kind).toBe('folder');
    expect(bundleLocation(`${hf}/alice/i3-demo/blob/main/step-500/config.json`)).toEqual({
      ...main,
      base: `${hf}/alice/i3-demo/resolve/main/step-500/`,
    });
    expect(bundleLocation(`${hf}/alice/i3-demo/blob/main/i3-demo-step500.zip`)).toEqual({
      kind: 'zip',
      url: `${hf}/alice/i3-demo/resolve/main/i3-demo-step500.zip`,
      name: 'i3-demo-step500',
    });
  });

  it('reads any other address as a zip or a folder of the files', () => {
    expect(bundleLocation('https://example.org/models/i3-tiny.zip?x=1')).toEqual({
      kind: 'zip',
      url: 'https://example.org/models/i3-tiny.zip?x=1',
      name: 'i3-tiny',
    });
    const folder = { kind: 'folder', base: 'https://example.org/models/run%201/', name: 'run 1' };
    expect(bundleLocation('https://example.org/models/run%201')).toEqual(folder);
    expect(bundleLocation('https://example.org/models/run%201/config.json')).toEqual(folder);
    expect(bundleLocation('https://example.org/')).toEqual({
      kind: 'folder',
      base: 'https://example.org/',
      name: 'example.org',
    });
  });

  it('says why an address names no model', () => {
    expect(() => bundleLocation('not a model')).toThrow(/neither a web address nor .* owner\/name/);
    expect(() => bundleLocation('ftp://example.org/m.zip')).toThrow(/should start with https/);
    expect(() => bundleLocation('https://huggingface.co/datasets/alice/stories')).toThrow(
      /is not a Hugging Face model/,
    );
  });
});

describe('a bundle downloaded', () => {
  it("comes from a folder as importBundle reads it, each file's progress reported", async () => {
    const progress: BundleDownloadProgress[] = [];
    const got = await downloadBundle(bundleLocation(`${base}/demo/`), {
      onProgress: (p) => progress.push(p),
    });
    expect([...(got as Map<string, Uint8Array>).keys()]).toEqual([
      'config.json',
      'tokenizer.json',
      'model.safetensors',
      'metrics.csv',
    ]);
    expect(importBundle(got).params).toEqual(input.params);
    const weights = progress.filter((p) => p.file === 'model.safetensors');
    expect(weights.at(-1)).toEqual({
      file: 'model.safetensors',
      received: files['model.safetensors'].length,
      total: files['model.safetensors'].length,
    });
  });

  it('takes pytorch_model.bin where the folder has no model.safetensors', async () => {
    const got = await downloadBundle(bundleLocation(`${base}/torch/config.json`));
    const imported = importBundle(got);
    expect(imported.weightsFile).toBe('pytorch_model.bin');
    expect(imported.params).toEqual(input.params);
  });

  it('comes from a zip', async () => {
    const got = await downloadBundle(bundleLocation(`${base}/demo.zip`));
    expect(got).toEqual(zip);
    expect(importBundle(got).params).toEqual(input.params);
  });

  it('refuses another model after its config.json, before any weights', async () => {
    asked.length = 0;
    const refused = downloadBundle(bundleLocation(`${base}/gpt2`));
    await expect(refused).rejects.toThrow(BundleImportError);
    await expect(refused).rejects.toThrow('unknown model_type "gpt2"');
    expect(asked).toEqual(['/gpt2/config.json']);
  });

  it('says what a folder lacks', async () => {
    await expect(downloadBundle(bundleLocation(`${base}/bare`))).rejects.toThrow(
      'has neither model.safetensors nor pytorch_model.bin',
    );
    const none = downloadBundle(bundleLocation(`${base}/nothing/here`));
    await expect(none).rejects.toThrow(DownloadError);
    await expect(none).rejects.toThrow(
      `${base}/nothing/here/ has no config.json (the server answered 404)`,
    );
  });

  it('stops when cancelled', async () => {
    const abort = new AbortController();
    const got = downloadBundle(bundleLocation(`${base}/demo`), {
      signal: abort.signal,
      onProgress: (p) => p.file === 'model.safetensors' && abort.abort(),
    });
    await expect(got).rejects.toThrow(/abort/i);
  });
});
