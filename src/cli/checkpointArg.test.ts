import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../train/checkpoint';
import { loadCheckpoint } from './checkpointArg';
import { exportCheckpointFile } from './export';
import { testCheckpoint, testCheckpointFile, tokenizer } from './testCheckpoint';

// The one checkpoint in every form --checkpoint and --resume take: the studio's file, its bundle
// as a folder and as a zip, and both on a web server (a real one, on a free port).
const ck = testCheckpoint();
let work = '';
let ckptPath = '';
let remove = async () => {};
let server: Server;
let base = '';

beforeAll(async () => {
  ({ work, path: ckptPath, remove } = await testCheckpointFile(ck));
  await exportCheckpointFile({
    checkpoint: ckptPath,
    dir: join(work, 'bundle'),
    zip: join(work, 'bundle.zip'),
  });
  server = createServer((req, res) => {
    readFile(join(work, req.url!)).then(
      (body) => res.writeHead(200, { 'content-length': body.length }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await remove();
});

/** What a command needs of a checkpoint: the model, its moments, its tokenizer and its step. */
const essentials = (c: Checkpoint) => ({
  config: c.meta.config,
  step: c.meta.step,
  tokenizerId: c.meta.tokenizerId,
  params: c.params,
  adamM: c.adamM,
  adamV: c.adamV,
});

describe('a checkpoint named on the command line', () => {
  it('is the same model from its file, its bundle (folder or zip) and the web', async () => {
    const want = essentials(ck);
    expect(want.tokenizerId).toBe(tokenizer.identity());
    expect(essentials(await loadCheckpoint(ckptPath))).toEqual(want);
    for (const arg of [
      join(work, 'bundle'),
      join(work, 'bundle.zip'),
      `${base}/bundle/`,
      `${base}/bundle.zip`,
    ]) {
      const got = await loadCheckpoint(arg);
      expect(essentials(got)).toEqual(want);
      expect(got.meta.name).toBe('bundle');
    }
  });

  it('says what it is not', async () => {
    await expect(loadCheckpoint('no-such-checkpoint.bin')).rejects.toThrow(
      'no-such-checkpoint.bin is no file here, and not a model on the web: "no-such-checkpoint.bin" is neither a web address',
    );
    await expect(loadCheckpoint(`${base}/elsewhere/`)).rejects.toThrow(
      `${base}/elsewhere/ has no config.json (the server answered 404)`,
    );
  });
});
