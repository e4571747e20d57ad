import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { defaultSettings, validateSettings } from './defaults';
import {
  coolDownFrom,
  decayInWords,
  finishAfter,
  LONGER,
  LR_DECAYS,
  learningRate,
  learningRateCurve,
  lengthen,
  rescheduled,
} from './schedule';

const s = { peakLr: 1e-3, warmupSteps: 100, totalSteps: 1100, minRatio: 0.1 };
const settings = defaultSettings('i3-test', PRESETS['i3-test']);

describe('learning-rate schedule', () => {
  it('warms up linearly to the peak', () => {
    expect(learningRate(s, 0)).toBeCloseTo(1e-5, 12);
    expect(learningRate(s, 49)).toBeCloseTo(5e-4, 12);
    expect(learningRate(s, 99)).toBeCloseTo(1e-3, 12);
  });

  it('decays by a cosine to 10% of the peak and stays there', () => {
    expect(learningRate(s, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 600)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(s, 1100)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 5000)).toBeCloseTo(1e-4, 12);
  });

  it('never rises after the warm-up, whatever its decay', () => {
    for (const decay of LR_DECAYS) {
      let prev = Number.POSITIVE_INFINITY;
      for (let t = 100; t < 1200; t++) {
        const lr = learningRate({ ...s, decay }, t);
        expect(lr).toBeLessThanOrEqual(prev);
        prev = lr;
      }
    }
  });

  it('decays in a straight line, or not at all, with the same warm-up', () => {
    const linear = { ...s, decay: 'linear' as const };
    const constant = { ...s, decay: 'constant' as const };
    for (const t of [0, 49, 99]) {
      expect(learningRate(linear, t)).toBe(learningRate(s, t));
      expect(learningRate(constant, t)).toBe(learningRate(s, t));
    }
    expect(learningRate(linear, 350)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.75), 12);
    expect(learningRate(linear, 1100)).toBeCloseTo(1e-4, 12);
    expect(learningRate(constant, 1100)).toBe(1e-3);
  });

  it('warm-up-stable-decay holds the peak, then cools down by 1 − √ over its last share', () => {
    const wsd = { ...s, decay: 'wsd' as const, cooldown: 0.2 };
    // 1000 steps after the warm-up: the peak until step 900, then 200 steps of cool-down.
    expect(learningRate(wsd, 500)).toBe(1e-3);
    expect(learningRate(wsd, 900)).toBe(1e-3);
    expect(learningRate(wsd, 950)).toBeCloseTo(1e-3 * (0.1 + 0.9 * (1 - Math.sqrt(0.25))), 12);
    expect(learningRate(wsd, 1100)).toBeCloseTo(1e-4, 12);
    // Its default cool-down is a fifth of the steps.
    expect(learningRate({ ...s, decay: 'wsd' }, 950)).toBe(learningRate(wsd, 950));
    // Its curve has the last step at the peak, where the cool-down starts.
    expect(learningRateCurve(wsd, 10)).toContainEqual({ x: 900, y: 1e-3 });
    expect(learningRateCurve(wsd, 10).find((p) => p.x > 900)!.y).toBeLessThan(1e-3);
  });

  it('cuts a warm-up-stable-decay schedule short: its cool-down from now, its share as before', () => {
    const wsd = { ...s, decay: 'wsd' as const, cooldown: 0.2 };
    // 500 steps done, 400 of them stable: the cool-down takes 100 more (a fifth of 500).
    const cut = coolDownFrom(wsd, 500)!;
    expect(cut).toEqual({ ...wsd, totalSteps: 600 });
    for (let t = 100; t < 500; t++) expect(learningRate(cut, t)).toBe(1e-3);
    expect(learningRate(cut, 550)).toBeLessThan(1e-3);
    expect(learningRate(cut, 600)).toBeCloseTo(1e-4, 12);
    // Rounded up: the cool-down is never shorter than its share.
    expect(coolDownFrom(wsd, 103)?.totalSteps).toBe(104);
    // Nothing to cut: during the warm-up, right at its end, in the cool-down, other decays.
    for (const step of [50, 100, 900, 1000]) expect(coolDownFrom(wsd, step)).toBeUndefined();
    expect(coolDownFrom(s, 500)).toBeUndefined();
    // A schedule that started later (fine-tuning) counts from its start.
    expect(coolDownFrom({ ...wsd, startStep: 2000, totalSteps: 3100 }, 2500)?.totalSteps).toBe(
      2600,
    );
  });

  it('lengthens a schedule that holds its rate, and no other', () => {
    const wsd = { ...s, decay: 'wsd' as const, cooldown: 0.2 };
    // 1,000 steps after the warm-up become 1,500: the rate at each step done stays the same.
    const longer = lengthen(wsd, 500)!;
    expect(LONGER).toBe(1.5);
    expect(longer.totalSteps).toBe(1600);
    for (let t = 0; t <= 500; t++) expect(learningRate(longer, t)).toBe(learningRate(wsd, t));
    // Its cool-down moved to the new end, the same share.
    expect(learningRate(longer, 1300)).toBe(1e-3);
    expect(learningRate(longer, 1400)).toBeLessThan(1e-3);
    expect(lengthen({ ...s, decay: 'constant' }, 900)?.totalSteps).toBe(1600);
    // In the cool-down, or a decay whose rate would jump: no.
    expect(lengthen(wsd, 950)).toBeUndefined();
    expect(lengthen(s, 500)).toBeUndefined();
    expect(lengthen({ ...s, decay: 'linear' }, 500)).toBeUndefined();
  });

  it('ends a schedule that holds its rate a number of steps from now: a wsd one cools down over them', () => {
    const wsd = { ...s, decay: 'wsd' as const, cooldown: 0.2 };
    for (const [step, steps] of [
      [500, 37],
      [101, 1],
      [899, 2000],
    ]) {
      const end = finishAfter(wsd, step, steps)!;
      expect(end.totalSteps).toBe(step + steps);
      // The rate held through `step` (within 1e-7: the share's rounding, below float32's, in which
      // the GPU gets the rate), falling from the next, to the floor at the new end.
      for (let t = 100; t <= step; t++) {
        expect(Math.abs(learningRate(end, t) / 1e-3 - 1)).toBeLessThan(1e-7);
      }
      expect(learningRate(end, step + 1)).toBeLessThan(1e-3);
      expect(learningRate(end, step + steps)).toBeCloseTo(1e-4, 12);
      expect(rescheduled(wsd, step, { finishAfter: steps })).toEqual(end);
      expect(validateSettings({ ...settings, schedule: end })).toEqual([]);
    }
    expect(finishAfter({ ...s, decay: 'constant' }, 500, 20)).toEqual({
      ...s,
      decay: 'constant',
      totalSteps: 520,
    });
    // In the warm-up, in the cool-down, other decays, no steps: no.
    for (const step of [50, 100, 950]) expect(finishAfter(wsd, step, 10)).toBeUndefined();
    expect(finishAfter(s, 500, 10)).toBeUndefined();
    expect(finishAfter(wsd, 500, 0)).toBeUndefined();
    expect(finishAfter(wsd, 500, 2.5)).toBeUndefined();
  });

  it('says what follows the warm-up', () => {
    expect(decayInWords(s)).toBe('cosine decay to 10% of the peak');
    expect(decayInWords({ ...s, decay: 'linear', minRatio: 0 })).toBe(
      'linear decay to 0% of the peak',
    );
    expect(decayInWords({ ...s, decay: 'constant' })).toBe('the peak held to the end');
    expect(decayInWords({ ...s, decay: 'wsd', cooldown: 0.1 })).toBe(
      'the peak held, then a 1 − √ cool-down to 10% of the peak over the last 10% of the steps',
    );
  });

  it('draws as at most the points asked for, with the peak and the last step', () => {
    const curve = learningRateCurve(s, 100);
    expect(curve.length).toBeLessThanOrEqual(102);
    expect(curve[0]).toEqual({ x: 1, y: learningRate(s, 0) });
    expect(curve).toContainEqual({ x: 100, y: 1e-3 });
    expect(curve.at(-1)).toEqual({ x: 1100, y: learningRate(s, 1099) });
    expect(curve.map((p) => p.x)).toEqual([...curve.map((p) => p.x)].sort((a, b) => a - b));
    // A schedule shorter than the count: every step.
    expect(learningRateCurve({ ...s, warmupSteps: 2, totalSteps: 5 }, 100).map((p) => p.x)).toEqual(
      [1, 2, 3, 4, 5],
    );
  });

  it('starts afresh at startStep: a warm-up and a whole cosine over the steps after it', () => {
    const later = { ...s, startStep: 5000, totalSteps: 6100 };
    for (const t of [0, 49, 99, 100, 600, 1099, 1100, 2000]) {
      expect(learningRate(later, 5000 + t)).toBeCloseTo(learningRate(s, t), 12);
    }
    const curve = learningRateCurve(later, 100);
    expect(curve[0]).toEqual({ x: 5001, y: learningRate(s, 0) });
    expect(curve).toContainEqual({ x: 5100, y: 1e-3 });
    expect(curve.at(-1)).toEqual({ x: 6100, y: learningRate(s, 1099) });
  });
});
