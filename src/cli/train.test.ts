import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { LrSweepResult } from '../train/lrFinder';
import { catsCorpus } from '../train/testCorpus';

describe('npm run train -- --find-lr', () => {
  it('runs the range test instead of training: prints the sweep and writes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'i3-find-lr-'));
    try {
      const data = join(dir, 'cats.txt');
      await writeFile(data, catsCorpus());
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/cli/train.ts', '--preset', 'i3-test', '--data', data].concat([
          '--vocab',
          '64',
          '--find-lr',
          '30',
          '--out',
          dir,
        ]),
        { timeout: 120_000 },
      );
      const sweep = JSON.parse(await readFile(join(dir, 'lr-sweep.json'), 'utf8')) as LrSweepResult;
      expect(sweep.points.length).toBeGreaterThan(1);
      expect(sweep.points.length).toBeLessThanOrEqual(30);
      expect(stdout).toContain('sweep 1/30  lr 1.00e-5');
      // The cats corpus is learnable, so the sweep has a rate to suggest, and says the same.
      expect(sweep.suggestion).toBeDefined();
      expect(stdout).toContain(
        `suggested peak learning rate: ${sweep.suggestion?.toExponential(2)} (--lr)`,
      );
      // No run: no checkpoint was written.
      expect(stdout).not.toMatch(/checkpoint|step \d+\/\d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm run train -- --mix', () => {
  it('mixes other files, tokenized with the run’s tokenizer, into its rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'i3-mix-'));
    try {
      const data = join(dir, 'cats.txt');
      const dogs = join(dir, 'dogs.txt');
      await writeFile(data, catsCorpus());
      await writeFile(
        dogs,
        Array.from({ length: 300 }, () => 'the dog sat on the log.').join('\n'),
      );
      const run = (mix: string) =>
        promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', 'src/cli/train.ts', '--preset', 'i3-test', '--data', data].concat(
            ['--vocab', '64', '--steps', '10', '--eval-every', '0', '--ckpt-every', '0'],
            ['--mix', mix, '--out', dir],
          ),
          { timeout: 120_000 },
        );
      const { stdout } = await run(`${dogs}:0.4`);
      expect(stdout).toMatch(/mixed in: dogs\.txt, [\d,]+ train tokens, 40% of the rows/);
      expect(stdout).toMatch(/step 10\/10 {2}loss \d+\.\d+/);
      expect(stdout).toContain('run finished');
      await expect(run(`${dogs}:1.5`)).rejects.toThrow(/--mix takes file:share items/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
