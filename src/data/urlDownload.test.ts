import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newReport, parseFile } from './formats';
import { zstdSync } from './testZstd';
import { DownloadError, directFileUrl, downloadFile, fileNameOf } from './urlDownload';

const text = 'one line of text\n'.repeat(5000);
/** Larger than a blob part (16 MiB), so that the body is gathered in several. */
const big = new Uint8Array(20 << 20).map((_, i) => (i * 13) >> 8);

// A real HTTP server on a free port: the files, a missing one, a web page, gzip- and zstd-encoded
// transfers of .gz and .zst names, and a named attachment.
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/data/stories.txt':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': text.length });
        res.end(text);
        break;
      case '/page':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html></html>');
        break;
      case '/corpus.txt.gz': {
        const gz = gzipSync(text);
        res.writeHead(200, {
          'content-type': 'text/plain',
          'content-encoding': 'gzip',
          'content-length': gz.length,
        });
        res.end(gz);
        break;
      }
      case '/shard.jsonl.zst': {
        const zst = zstdSync('{"text": "from a zstd transfer"}\n');
        res.writeHead(200, { 'content-encoding': 'zstd', 'content-length': zst.length });
        res.end(zst);
        break;
      }
      case '/inflated.txt.zst':
        // What a client that decodes zstd transfers (Chrome does) receives for such a file.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(text);
        break;
      case '/raw.gz':
        res.writeHead(200, { 'content-type': 'application/gzip' });
        res.end(gzipSync(text));
        break;
      case '/big.bin':
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
        break;
      case '/attachment':
        res.writeHead(200, { 'content-disposition': 'attachment; filename="chats.jsonl"' });
        res.end('{"text": "hi"}\n');
        break;
      default:
        res.writeHead(404, 'Not Found');
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the address of a file', () => {
  it("turns Hugging Face's and GitHub's pages of a file into the file itself", () => {
    expect(directFileUrl('https://huggingface.co/datasets/o/n/blob/main/data/train.parquet')).toBe(
      'https://huggingface.co/datasets/o/n/resolve/main/data/train.parquet',
    );
    expect(directFileUrl(' https://huggingface.co/o/model/blob/v1/a.txt ')).toBe(
      'https://huggingface.co/o/model/resolve/v1/a.txt',
    );
    expect(directFileUrl('https://github.com/o/r/blob/main/data/input.txt')).toBe(
      'https://raw.githubusercontent.com/o/r/main/data/input.txt',
    );
    const direct = 'https://huggingface.co/datasets/o/n/resolve/main/x.jsonl';
    expect(directFileUrl(direct)).toBe(direct);
    expect(directFileUrl('https://example.com/blob/a.txt')).toBe('https://example.com/blob/a.txt');
  });

  it('names the file by Content-Disposition, else by the last part of its path', () => {
    expect(fileNameOf('https://x.org/a/b%20c.txt')).toBe('b c.txt');
    expect(fileNameOf('https://x.org/a/f?download=1', 'attachment; filename="d.csv"')).toBe(
      'd.csv',
    );
    expect(fileNameOf('https://x.org/f', "attachment; filename*=UTF-8''na%C3%AFve.txt")).toBe(
      'naïve.txt',
    );
    expect(fileNameOf('https://x.org/')).toBe('download');
  });
});

describe('downloadFile', () => {
  it('downloads the file with progress up to its length', async () => {
    const seen: number[] = [];
    const file = await downloadFile(`${base}/data/stories.txt`, {
      onProgress: (p) => {
        expect(p.total).toBe(text.length);
        seen.push(p.received);
      },
    });
    expect(file.name).toBe('stories.txt');
    expect(await file.text()).toBe(text);
    expect(seen.at(-1)).toBe(text.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('keeps every byte of a body larger than a blob part', async () => {
    const file = await downloadFile(`${base}/big.bin`);
    expect(file.name).toBe('big.bin');
    // Buffer.equals: a deep toEqual over 20 MiB takes far more memory than the bytes.
    expect(Buffer.from(await file.arrayBuffer()).equals(big)).toBe(true);
  });

  it('names a .gz file the transfer inflated by what it holds, and keeps a real .gz', async () => {
    const totals = new Set<number | undefined>();
    const inflated = await downloadFile(`${base}/corpus.txt.gz`, {
      onProgress: (p) => totals.add(p.total),
    });
    // The compressed transfer's length is not the file's: no total past it.
    expect(totals.has(undefined)).toBe(true);
    expect(inflated.name).toBe('corpus.txt');
    expect(await inflated.text()).toBe(text);
    const raw = await downloadFile(`${base}/raw.gz`);
    expect(raw.name).toBe('raw.gz');
    expect([...new Uint8Array(await raw.slice(0, 2).arrayBuffer())]).toEqual([0x1f, 0x8b]);
    expect((await downloadFile(`${base}/attachment`)).name).toBe('chats.jsonl');
  });

  it('names a .zst file by what it holds, and the importer reads it either way', async () => {
    const inflated = await downloadFile(`${base}/inflated.txt.zst`);
    expect(inflated.name).toBe('inflated.txt');
    expect(await inflated.text()).toBe(text);
    // Whether this fetch decodes the zstd transfer or not, the file's name says what it holds.
    const shard = await downloadFile(`${base}/shard.jsonl.zst`);
    const report = newReport(shard);
    const docs: string[] = [];
    for await (const d of parseFile(shard, report)) docs.push(d);
    expect(docs).toEqual(['from a zstd transfer']);
  });

  it('says why there is no file: not an address, missing, a web page, unreachable', async () => {
    const why = (url: string) =>
      downloadFile(url).then(
        () => 'downloaded',
        (e) => (e instanceof DownloadError ? e.message : `other: ${e}`),
      );
    expect(await why('stories.txt')).toMatch(/is not a web address/);
    expect(await why(`${base}/missing.txt`)).toMatch(/answered 404 Not Found: check the address/);
    expect(await why(`${base}/page`)).toMatch(/is a web page, not a data file/);
    // A port nothing listens on (this server's, once it is closed, is not certain: use port 9).
    expect(await why('http://127.0.0.1:9/x.txt')).toMatch(
      /cannot be reached, or it does not let other sites read its files \(CORS\)/,
    );
  });

  it('stops when cancelled', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(downloadFile(`${base}/data/stories.txt`, { signal: ctrl.signal })).rejects.toThrow(
      /abort/i,
    );
  });
});
