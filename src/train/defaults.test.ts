import { describe, expect, it } from 'vitest';
import type { ActivationMode } from '../model/buffers';
import { PRESETS } from '../model/config';
import { defaultSettings, validateSettings } from './defaults';

describe('training settings', () => {
  it('accepts every preset default', () => {
    for (const p of ['i3-22m', 'i3-tiny', 'i3-test'] as const) {
      expect(validateSettings(defaultSettings(p, PRESETS[p]))).toEqual([]);
      expect(defaultSettings(p, PRESETS[p]).activations).toBe('keep');
    }
  });

  it('explains each bad value', () => {
    const s = defaultSettings('i3-test', PRESETS['i3-test']);
    const bad = {
      ...s,
      batchSize: 0,
      accumSteps: 1.5,
      schedule: { ...s.schedule, totalSteps: Number.NaN, peakLr: 2 },
      clipNorm: -1,
      // From a hand-edited file or a command line.
      activations: 'fast' as ActivationMode,
      sampleTokens: 2000,
      samplePrompt: 'x'.repeat(1001),
    };
    const errors = validateSettings(bad);
    expect(errors).toHaveLength(8);
    expect(errors.join('\n')).toMatch(/sample tokens \(2000\) must be at most 512/);
    expect(errors.join('\n')).toMatch(/sample prompt must be at most 1000 characters/);
    expect(validateSettings({ ...s, sampleTokens: 2.5 }).join('\n')).toMatch(/sample tokens/);
    expect(errors.join('\n')).toMatch(/total steps \(NaN\)/);
    expect(errors.join('\n')).toMatch(/batch \(0\) must be a positive whole number/);
    expect(errors.join('\n')).toMatch(/peak learning rate \(2\)/);
    expect(errors.join('\n')).toMatch(/activations \(fast\) must be keep or recompute/);
    expect(validateSettings({ ...s, earlyStopPatience: -1 })).toEqual([
      'early stop after (evals; 0 = never) (-1) must be 0 or a whole number',
    ]);
    const from = (startStep: number) =>
      validateSettings({ ...s, schedule: { ...s.schedule, totalSteps: 50, startStep } });
    expect(from(40)).toEqual([]);
    expect(from(50)).toEqual(['the schedule starts at step 50, past its last (50)']);
    expect(from(-1)[0]).toMatch(/first step \(-1\) must be 0 or a whole number/);
    expect(validateSettings({ ...s, earlyStopPatience: 2, evalInterval: 0 })).toEqual([
      'early stopping needs evaluations: set eval every above 0, or early stop to 0',
    ]);
    const schedule = (patch: Partial<typeof s.schedule>) =>
      validateSettings({ ...s, schedule: { ...s.schedule, ...patch } });
    expect(schedule({ decay: 'wsd', cooldown: 1, minRatio: 0 })).toEqual([]);
    expect(schedule({ decay: 'step' as 'wsd' })).toEqual([
      'decay (step) must be cosine, linear, wsd, constant',
    ]);
    expect(schedule({ minRatio: 1.5 })).toEqual([
      'final learning rate (150% of the peak) must be 0-100%',
    ]);
    expect(schedule({ decay: 'wsd', cooldown: 0 })).toEqual([
      'cool-down (0% of the steps) must be above 0% and at most 100%',
    ]);
    // Only a warm-up-stable-decay schedule cools down.
    expect(schedule({ decay: 'linear', cooldown: 0 })).toEqual([]);
  });

  it('takes datasets mixed in at shares that leave the run’s own dataset some rows', () => {
    const s = defaultSettings('i3-test', PRESETS['i3-test']);
    const mix = (...shares: number[]) =>
      validateSettings({ ...s, mixIn: shares.map((share, k) => ({ datasetId: `d${k}`, share })) });
    expect(mix()).toEqual([]);
    expect(mix(0.3, 0.6)).toEqual([]);
    expect(mix(0.5, 0.5)).toEqual([
      'the mixed-in datasets take 100% of the rows: at most 90%, so that the run’s own dataset keeps some',
    ]);
    expect(mix(0)).toEqual(["a mixed-in dataset's share (0) must be between 0 and 1"]);
    const twice = [
      { datasetId: 'd', share: 0.1 },
      { datasetId: 'd', share: 0.2 },
    ];
    expect(validateSettings({ ...s, mixIn: twice })).toEqual(['a dataset is mixed in twice']);
  });
});
