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
