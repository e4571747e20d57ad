import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubParquetFile,
  hubDatasetFiles,
  hubDatasetName,
  hubDatasetRef,
  hubFileName,
} from './hubDataset';
import { DownloadError } from './urlDownload';

describe('Hub dataset addresses', () => {
  it('takes an id, or a dataset page, and leaves files and other addresses alone', () => {
    expect(hubDatasetRef('roneneldan/TinyStories')).toEqual({ id: 'roneneldan/TinyStories' });
    expect(hubDatasetRef(' HuggingFaceFW/fineweb-edu ')).toEqual({
      id: 'HuggingFaceFW/fineweb-edu',
    });
    expect(hubDatasetRef('https://huggingface.co/datasets/roneneldan/TinyStories')).toEqual({
      id: 'roneneldan/TinyStories',
    });
    expect(hubDatasetRef('https://huggingface.co/datasets/stanfordnlp/imdb/tree/main')).toEqual({
      id: 'stanfordnlp/imdb',
    });
    expect(
      hubDatasetRef(
        'https://huggingface.co/datasets/Salesforce/wikitext/viewer/wikitext-2-v1/test',
      ),
    ).toEqual({ id: 'Salesforce/wikitext', config: 'wikitext-2-v1', split: 'test' });
    // One of the Hub's oldest datasets has a one-part id.
    expect(hubDatasetRef('https://huggingface.co/datasets/wikitext/viewer/x/train')).toEqual({
      id: 'wikitext',
      config: 'x',
      split: 'train',
    });
    // A file's page and download address are files.
    for (const file of [
      'https://huggingface.co/datasets/a/b/blob/main/train.parquet',
      'https://huggingface.co/datasets/a/b/resolve/main/data/train-00000-of-00001.parquet',
      'https://huggingface.co/a/b',
      'https://example.com/datasets/a/b',
      '/data/default-corpus.txt.gz',
      'corpus.txt',
      'a/b/c',
    ]) {
      expect(hubDatasetRef(file), file).toBeUndefined();
    }
  });

  it('names the dataset by its id, and its subset and split where they are not the usual ones', () => {
    expect(hubDatasetName({ id: 'a/b' })).toBe('a/b');
    expect(hubDatasetName({ id: 'a/b', config: 'default', split: 'train' })).toBe('a/b');
    expect(hubDatasetName({ id: 'a/b', config: 'c', split: 'test' })).toBe('a/b (c / test)');
    expect(hubDatasetName({ id: 'a/b', config: 'c', split: 'train' })).toBe('a/b (c)');
    // The viewer converts only the first 5 GB of a very large dataset.
    expect(hubDatasetName({ id: 'a/b', config: 'default', split: 'train', partial: true })).toBe(
      'a/b, its first 5 GB',
    );
    const d = { id: 'a/b', config: 'default', split: 'train', files: [], partial: false };
    const f = { filename: '0000.parquet' } as HubParquetFile;
    expect(hubFileName(d, f)).toBe('a_b-train-0000.parquet');
    expect(hubFileName({ ...d, config: 'en' }, f)).toBe('a_b-en-train-0000.parquet');
  });
});

// A dataset viewer on this machine, answering /parquet as the Hub's does (its documented shape:
// parquet_files with dataset, config, split, url, filename and size; an error object otherwise).
describe('the Parquet files of a Hub dataset', () => {
  let server: Server;
  let api: string;
  const file = (config: string, split: string, n: number) => ({
    dataset: 'owner/stories',
    config,
    split,
    url: `https://huggingface.co/datasets/owner/stories/resolve/refs%2Fconvert%2Fparquet/${config}/${split}/000${n}.parquet`,
    filename: `000${n}.parquet`,
    size: 1000 + n,
  });
  const listings: Record<string, unknown> = {
    'owner/stories': {
      parquet_files: [
        file('default', 'train', 0),
        file('default', 'train', 1),
        file('default', 'validation', 0),
        file('en', 'train', 0),
      ],
      partial: false,
    },
    'owner/big': {
      parquet_files: [file('main', 'test', 0), file('main', 'full', 0)],
      partial: true,
    },
    'owner/new': { parquet_files: [], pending: [{ config: 'default' }], failed: [] },
  };
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const dataset = url.searchParams.get('dataset') ?? '';
      asked.push(`${url.pathname}?${dataset}`);
      const listing = url.pathname === '/parquet' ? listings[dataset] : undefined;
      res.writeHead(listing ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(listing ?? { error: 'The dataset does not exist on the Hub.' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it("takes the default subset's train split, in the viewer's order, where the address names none", async () => {
    const d = await hubDatasetFiles({ id: 'owner/stories' }, { api });
    expect(asked.at(-1)).toBe('/parquet?owner/stories');
    expect(d).toMatchObject({ id: 'owner/stories', config: 'default', split: 'train' });
    expect(d.partial).toBe(false);
    expect(d.files.map((f) => f.filename)).toEqual(['0000.parquet', '0001.parquet']);
    expect(d.files[0].url).toMatch(
      /^https:\/\/huggingface\.co\/datasets\/owner\/stories\/resolve\//,
    );
  });

  it('takes the subset and split the page named, else the first of each', async () => {
    const named = await hubDatasetFiles(
      { id: 'owner/stories', config: 'default', split: 'validation' },
      { api },
    );
    expect(named.files.map((f) => f.split)).toEqual(['validation']);
    const first = await hubDatasetFiles({ id: 'owner/big' }, { api });
    expect(first).toMatchObject({ config: 'main', split: 'test', partial: true });
  });

  it('says what a dataset has where the address names what it has not, and what the Hub said', async () => {
    const refused = (ref: Parameters<typeof hubDatasetFiles>[0]) =>
      hubDatasetFiles(ref, { api }).then(
        () => undefined,
        (e: unknown) => e,
      );
    const noSplit = await refused({ id: 'owner/stories', config: 'en', split: 'test' });
    expect(noSplit).toBeInstanceOf(DownloadError);
    expect((noSplit as Error).message).toBe(
      '"owner/stories" (subset "en") has no split "test"; its splits: train.',
    );
    expect(((await refused({ id: 'owner/stories', config: 'fr' })) as Error).message).toBe(
      '"owner/stories" has no subset "fr"; its subsets: default, en.',
    );
    expect(((await refused({ id: 'owner/new' })) as Error).message).toMatch(
      /^Hugging Face has no Parquet files of a dataset "owner\/new" \(none converted yet\)\./,
    );
    const missing = (await refused({ id: 'nobody/nothing' })) as DownloadError;
    expect(missing.status).toBe(404);
    expect(missing.message).toMatch(
      /^Hugging Face has no Parquet files of a dataset "nobody\/nothing" \(404: The dataset does not exist on the Hub\.\)\. .*private or gated.*drop them here\.$/,
    );
  });

  it('says when the viewer cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(hubDatasetFiles({ id: 'a/b' }, { api: dead })).rejects.toThrow(
      /dataset viewer \(http:\/\/127\.0\.0\.1:\d+\) could not be reached to list "a\/b"/,
    );
  });
});
