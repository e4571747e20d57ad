import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import { defaultSettings } from '../../train/defaults';
import { runDifferences } from './runDifferences';

const base = {
  config: PRESETS['i3-test'],
  settings: defaultSettings('i3-test', PRESETS['i3-test']),
  datasetId: 'a',
};
const names = (id: string) => ({ a: 'cats.txt', b: 'dogs.txt' })[id];

describe('differences between runs', () => {
  it('lists only the settings that differ, each run’s value in order', () => {
    const wsd = {
      ...base,
      settings: {
        ...base.settings,
        seed: 7,
        schedule: { ...base.settings.schedule, decay: 'wsd' as const, peakLr: 3e-3 },
      },
    };
    expect(runDifferences([base, wsd, base], names)).toEqual([
      { label: 'peak learning rate', values: ['0.01', '0.003', '0.01'] },
      { label: 'decay after the warm-up', values: ['cosine', 'wsd', 'cosine'] },
      { label: 'cool-down (% of the steps)', values: ['—', '20', '—'] },
      { label: 'seed', values: ['1234', '7', '1234'] },
    ]);
  });

  it('names the datasets and the mixture, a deleted one as such; the same runs differ in nothing', () => {
    const mixed = {
      ...base,
      datasetId: 'gone',
      settings: { ...base.settings, mixIn: [{ datasetId: 'b', share: 0.25 }] },
    };
    const wide = { ...base, config: { ...base.config, d_model: 32, vocab_size: 4466 } };
    expect(runDifferences([base, mixed, wide], names)).toEqual([
      { label: 'dataset', values: ['cats.txt', 'a deleted dataset', 'cats.txt'] },
      { label: 'mixed in', values: ['—', 'dogs.txt 25%', '—'] },
      { label: 'width D', values: ['16', '16', '32'] },
      { label: 'vocabulary', values: ['64', '64', '4,466'] },
    ]);
    expect(runDifferences([base, base], names)).toEqual([]);
  });
});
