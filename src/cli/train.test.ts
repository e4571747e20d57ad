import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRESETS, parameterCount, presetConfig } from '../model/config';
import { familyConfig } from '../train/budget';
import { defaultSettings } from '../train/defaults';
import type { LrSweepResult } from '../train/lrFinder';
import { learningRate } from '../train/schedule';
import { catsCorpus } from '../train/testCorpus';

/** Runs `test` with a fresh temporary folder, removed after whatever the test did. */
async function inTempDir(prefix: string, test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await test(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cats corpus as cats.txt in `dir`: its path. */
async function catsFile(dir: string): Promise<string> {
  const cats = join(dir, 'cats.txt');
  await writeFile(cats, catsCorpus());
  return cats;
}

/** The cats corpus and a file of dogs in `dir`: a run's data and other data of its tokenizer. */
async function catsAndDogs(dir: string): Promise<{ cats: string; dogs: string }> {
  const dogs = join(dir, 'dogs.txt');
  await writeFile(dogs, Array.from({ length: 300 }, () => 'the dog sat on the log.').join('\n'));
  return { cats: await catsFile(dir), dogs };
}

/** `npm run train` of the i3-test preset with these flags: its output, or its failure. */
const trainCli = (...flags: string[][]) =>
  promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/train.ts', '--preset', 'i3-test', ...flags.flat()],
    { timeout: 120_000 },
  );

describe('npm run train -- --find-lr', () => {
  it('runs the range test instead of training: prints the sweep and writes it', async () => {
    await inTempDir('i3-find-lr-', async (dir) => {
      const data = await catsFile(dir);
      const { stdout } = await trainCli(
        ['--data', data, '--vocab', '64'],
        ['--find-lr', '30', '--out', dir],
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
    });
  }, 120_000);
});

describe('npm run train -- --mix', () => {
  it('mixes other files, tokenized with the run’s tokenizer, into its rows', async () => {
    await inTempDir('i3-mix-', async (dir) => {
      const { cats: data, dogs } = await catsAndDogs(dir);
      const run = (mix: string) =>
        trainCli(
          ['--data', data, '--vocab', '64', '--steps', '10'],
          ['--eval-every', '0', '--ckpt-every', '0', '--mix', mix, '--out', dir],
        );
      const { stdout } = await run(`${dogs}:0.4`);
      expect(stdout).toMatch(/mixed in: dogs\.txt, [\d,]+ train tokens, 40% of the rows/);
      expect(stdout).toMatch(/step 10\/10 {2}loss \d+\.\d+/);
      expect(stdout).toContain('run finished');
      await expect(run(`${dogs}:1.5`)).rejects.toThrow(/--mix takes file:share items/);
    });
  }, 120_000);
});

describe('npm run train -- --minutes', () => {
  it('trains the steps that fit the time at the speed it measures first', async () => {
    await inTempDir('i3-minutes-', async (dir) => {
      const data = await catsFile(dir);
      const run = (more: string[]) =>
        trainCli(
          ['--data', data, '--vocab', '64', '--out', dir],
          ['--eval-every', '0', '--ckpt-every', '0'],
          more,
        );
      // 3 seconds of this adapter's steps.
      const { stdout } = await run(['--minutes', '0.05']);
      const fit = stdout.match(/--minutes 0\.05: ([\d,]+) steps fit at [\d.]+ ms a step/);
      expect(fit).not.toBeNull();
      const steps = Number(fit?.[1].replaceAll(',', ''));
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(stdout).toMatch(/compute-optimal here: width \d+, \d+ blocks, [\d,]+ parameters/);
      expect(stdout).toContain(`step ${steps}/${steps}`);
      expect(stdout).toContain('run finished');
      expect(stdout).toMatch(/wall clock: [\d.]+ s/);
      // --optimal trains that model, its steps fit by its own speed.
      const optimal = await run(['--minutes', '0.05', '--optimal']);
      const size = optimal.stdout.match(
        /compute-optimal here: width \d+, \d+ blocks, ([\d,]+) parameters/,
      );
      expect(optimal.stdout).toContain(`model: ${size?.[1]} parameters`);
      expect(optimal.stdout).toContain('run finished');
      await expect(run(['--optimal'])).rejects.toThrow(/--optimal takes the compute-optimal model/);
      // --params: the family's model nearest a size.
      const sized = await run(['--params', '30000', '--steps', '2']);
      const family = familyConfig(presetConfig('i3-test', { vocab_size: 64 }), 30000);
      expect(sized.stdout).toContain(
        `model: ${parameterCount(family).toLocaleString()} parameters`,
      );
      await expect(run(['--minutes', '0.05', '--steps', '10'])).rejects.toThrow(
        /--minutes sets the steps of one new run/,
      );
      await expect(run(['--minutes', 'soon'])).rejects.toThrow(/--minutes takes a positive number/);
    });
  }, 240_000);
});

describe('npm run train -- --resume --fine-tune', () => {
  it('sweeps the rate from a checkpoint and trains it further on new data, on a schedule of its own', async () => {
    await inTempDir('i3-fine-tune-', async (dir) => {
      const { cats, dogs } = await catsAndDogs(dir);
      const train = (args: string[]) =>
        trainCli(['--vocab', '64', '--eval-every', '0', '--sample-tokens', '0'], args);
      await train([
        '--data',
        cats,
        '--steps',
        '4',
        '--ckpt-every',
        '4',
        '--out',
        join(dir, 'base'),
      ]);
      const ck = join(dir, 'base', 'checkpoint-000004.bin');
      // The sweep from the checkpoint, on the new data (tokenized with its tokenizer).
      const sweep = await train(['--data', dogs, '--resume', ck, '--find-lr', '10', '--out', dir]);
      expect(sweep.stdout).toContain('sweep 1/10  lr 1.00e-5');
      const swept = JSON.parse(await readFile(join(dir, 'lr-sweep.json'), 'utf8')) as LrSweepResult;
      expect(swept.points.length).toBeGreaterThan(1);
      // Four more steps from step 4, warming up afresh to --lr over 2 of them.
      const { stdout } = await train(
        ['--data', dogs, '--resume', ck, '--fine-tune', '--steps', '4', '--warmup', '2'].concat([
          '--lr',
          '0.005',
          '--ckpt-every',
          '0',
          '--out',
          join(dir, 'tuned'),
        ]),
      );
      // The rate of the last step is the fresh schedule's (from step 4), not the stretched one's.
      const fresh = {
        ...defaultSettings('i3-test', PRESETS['i3-test']).schedule,
        peakLr: 0.005,
        warmupSteps: 2,
        totalSteps: 8,
        startStep: 4,
      };
      expect(stdout).toMatch(
        new RegExp(
          `step 8/8 {2}loss \\d+\\.\\d+ .* lr ${learningRate(fresh, 7).toExponential(2)} `,
        ),
      );
      expect(stdout).toContain('run finished');
      await expect(train(['--data', dogs, '--fine-tune', '--out', dir])).rejects.toThrow(
        /--fine-tune trains a checkpoint further: give it with --resume/,
      );
    });
  }, 240_000);
});

describe('npm run train -- --sweep', () => {
  it('trains the run once for each value, each in its own folder, and lists their losses', async () => {
    await inTempDir('i3-sweep-', async (dir) => {
      // Numbered lines: documents enough apart to give a validation split.
      const data = join(dir, 'cats.txt');
      await writeFile(
        data,
        Array.from({ length: 1500 }, (_, i) => `the cat ${i} sat on the mat.`).join('\n'),
      );
      const run = (sweep: string) =>
        trainCli(
          ['--data', data, '--vocab', '64', '--steps', '6'],
          ['--eval-every', '3', '--ckpt-every', '0', '--sample-tokens', '0'],
          ['--warmup', '2', '--decay', 'linear', '--min-ratio', '0'],
          ['--sweep', sweep, '--out', dir],
        );
      const { stdout } = await run('lr=3e-3,3e-2');
      const result = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as {
        axis: string;
        runs: { value: number; state: string; valLoss: number }[];
      };
      expect(result.axis).toBe('peakLr');
      expect(result.runs.map((r) => [r.value, r.state])).toEqual([
        [3e-3, 'finished'],
        [3e-2, 'finished'],
      ]);
      for (const r of result.runs) {
        // Each run's lowest evaluation, as it printed them (at steps 3 and 6).
        const evals = [
          ...stdout
            .split(`sweep: i3-test (cli) · lr ${r.value}`)[1]
            .matchAll(/val loss (\d+\.\d+)/g),
        ]
          .slice(0, 2)
          .map((m) => Number(m[1]));
        expect(evals).toHaveLength(2);
        expect(r.valLoss.toFixed(4)).toBe(Math.min(...evals).toFixed(4));
        expect(stdout).toContain(`  lr ${r.value}  ${r.valLoss.toFixed(4)}  (finished)`);
        // On the schedule asked for: a straight line to 0 after the warm-up, not the cosine.
        const schedule = { peakLr: r.value, warmupSteps: 2, totalSteps: 6, minRatio: 0 };
        const last = learningRate({ ...schedule, decay: 'linear' }, 5);
        expect(last).not.toBe(learningRate(schedule, 5));
        expect(stdout).toContain(`step 6/6  loss`);
        expect(stdout).toContain(`lr ${last.toExponential(2)}  |g|`);
      }
      // Each run's stop at its end wrote its checkpoint into its own folder.
      expect(stdout).toContain(join(dir, 'lr-0.003', 'checkpoint-000006.bin'));
      expect(stdout).toContain(join(dir, 'lr-0.03', 'checkpoint-000006.bin'));
      await expect(run('speed=1,2')).rejects.toThrow(
        /--sweep takes setting=v1,v2,… with a setting of lr, wd/,
      );
      await expect(run('lr=0.1,2')).rejects.toThrow(
        /--sweep: lr 2: peak learning rate \(2\) must be between 0 and 1/,
      );
    });
  }, 240_000);
});

describe('npm run train: signals while a run trains', () => {
  it('USR2 trains a warm-up-stable-decay run longer, USR1 cools it down now', async () => {
    await inTempDir('i3-signals-', async (dir) => {
      const data = await catsFile(dir);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/train.ts', '--preset', 'i3-test', '--data', data].concat(
          ['--vocab', '64', '--steps', '400', '--decay', 'wsd', '--eval-every', '0'],
          ['--ckpt-every', '0', '--sample-tokens', '0', '--out', dir],
        ),
      );
      let out = '';
      const sent: NodeJS.Signals[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        // Past the warm-up (5 steps): longer at step 10, then the cool-down at once.
        if (sent.length === 0 && out.includes('step 10/400')) {
          sent.push('SIGUSR2');
          child.kill('SIGUSR2');
        }
        if (sent.length === 1 && out.includes('training longer')) {
          sent.push('SIGUSR1');
          child.kill('SIGUSR1');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      // 395 steps after the warm-up became 593; then the cool-down, a fifth of the new total.
      expect(out).toContain('training longer: the run now ends at step 598');
      const end = Number(out.match(/cooling down: the run now ends at step (\d+)/)?.[1]);
      expect(end).toBeGreaterThan(10);
      expect(end).toBeLessThan(60);
      expect(out).toMatch(new RegExp(`step ${end}/${end}  loss`));
      expect(out).toContain('run finished');
    });
  }, 240_000);
});
