import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { defaultSettings, runTooLarge } from './defaults';
import {
  MAX_SWEEP_RUNS,
  parseSweepValues,
  SWEEP_AXES,
  sweepProblems,
  sweepRunName,
  sweepVariant,
} from './sweep';

const config = PRESETS['i3-test'];
const defaults = defaultSettings('i3-test', config);
// The decay named, as a sweep of it sets it back ('cosine' where absent).
const settings = { ...defaults, schedule: { ...defaults.schedule, decay: 'cosine' as const } };
const BIG = 2 ** 40;

describe('sweep values', () => {
  it('reads numbers between commas or spaces, in the order given', () => {
    expect(parseSweepValues('1e-3, 3e-3 1e-2', 'peakLr')).toEqual([1e-3, 3e-3, 1e-2]);
    expect(parseSweepValues(' 4;8 ,16 ', 'batchSize')).toEqual([4, 8, 16]);
  });

  it('says what is wrong: too few or many, not a number, a fraction of a count, twice', () => {
    expect(parseSweepValues('0.01', 'peakLr')).toMatch(/two values or more/);
    const many = Array.from({ length: MAX_SWEEP_RUNS + 1 }, (_, i) => i + 1).join(',');
    expect(parseSweepValues(many, 'seed')).toMatch(`At most ${MAX_SWEEP_RUNS}`);
    expect(parseSweepValues('1e-3, fast', 'peakLr')).toBe('"fast" is not a number.');
    expect(parseSweepValues('8, 12.5', 'batchSize')).toMatch(/whole numbers: "12.5"/);
    expect(parseSweepValues('3, 3.0', 'seed')).toBe('3.0 is given twice.');
  });

  it('reads the names of a choice: the decay', () => {
    expect(parseSweepValues('cosine, wsd', 'decay')).toEqual(['cosine', 'wsd']);
    expect(parseSweepValues('cosine, step', 'decay')).toBe(
      '"step" is not one of cosine, linear, wsd, constant.',
    );
    expect(parseSweepValues('wsd wsd', 'decay')).toBe('wsd is given twice.');
  });
});

describe('sweep runs', () => {
  it('changes the one setting of each axis and leaves the rest of the setup', () => {
    for (const axis of Object.keys(SWEEP_AXES) as (keyof typeof SWEEP_AXES)[]) {
      const value = SWEEP_AXES[axis].choices?.at(-1) ?? 7;
      const v = sweepVariant(config, settings, axis, value);
      expect(SWEEP_AXES[axis].get(v.config, v.settings)).toBe(value);
      // Nothing else moved: setting the base's own value back gives the base.
      const back = sweepVariant(v.config, v.settings, axis, SWEEP_AXES[axis].get(config, settings));
      expect(back).toEqual({ config, settings });
    }
    expect(sweepVariant(config, settings, 'peakLr', 3e-3).settings.schedule).toEqual({
      ...settings.schedule,
      peakLr: 3e-3,
    });
  });

  it('names each run by its base and value', () => {
    expect(sweepRunName('i3-test #2', 'peakLr', 0.003)).toBe('i3-test #2 · lr 0.003');
    expect(sweepRunName('mine', 'd_model', 32)).toBe('mine · D 32');
    expect(sweepRunName('mine', 'decay', 'wsd')).toBe('mine · decay wsd');
  });

  it('names each value whose run could not train, and why', () => {
    expect(sweepProblems(config, settings, 'peakLr', [1e-3, 3e-3], BIG)).toEqual([]);
    const lr = sweepProblems(config, settings, 'peakLr', [1e-3, 2], BIG);
    expect(lr).toEqual([
      expect.stringMatching(/^lr 2: peak learning rate \(2\) must be between 0 and 1/),
    ]);
    // A width the heads do not divide.
    const width = sweepProblems(config, settings, 'd_model', [16, 17], BIG);
    expect(width).toEqual([
      expect.stringMatching(/^D 17: d_model \(17\) must be divisible by n_heads/),
    ]);
    // A batch over the GPU's largest buffer, where the smaller one fits.
    const limit = 4 * 2 ** 20;
    const big = sweepVariant(config, settings, 'batchSize', 4096);
    expect(runTooLarge(big.config, big.settings, limit)).toBeDefined();
    const batch = sweepProblems(config, settings, 'batchSize', [8, 4096], limit);
    expect(batch).toEqual([`batch 4096: ${runTooLarge(big.config, big.settings, limit)}`]);
  });
});
