import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadTextCorpus } from '../data/nodeCorpus';
import { testRuntime } from '../gpu/testing';
import { evaluateCheckpoint } from '../train/evaluation';
import { testCheckpoint, testCheckpointFile, tokenizer } from './testCheckpoint';

describe('npm run evaluate', () => {
  it('prints the checkpoint’s loss on the files’ validation split, as the studio takes it', async () => {
    const ck = testCheckpoint();
    const { path, remove } = await testCheckpointFile(ck);
    const dir = await mkdtemp(join(tmpdir(), 'i3-evaluate-'));
    try {
      const data = join(dir, 'films.txt');
      const lines = Array.from(
        { length: 600 },
        (_, i) => `the film ${i} was ${i % 3 ? 'good' : 'long'}.`,
      );
      await writeFile(data, lines.join('\n'));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/cli/evaluate.ts', '--checkpoint', path, '--data', data],
        { timeout: 60_000 },
      );
      // The same files, tokenized with the checkpoint's tokenizer, evaluated in this process.
      const corpus = await loadTextCorpus(data, { tokenizer });
      const want = await evaluateCheckpoint(await testRuntime(), ck, corpus.source);
      expect(stdout).toContain(
        `validation: ${want.tokens.toLocaleString('en-US')} tokens  loss ${want.loss.toFixed(4)}`,
      );
    } finally {
      await remove();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
