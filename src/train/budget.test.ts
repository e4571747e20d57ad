import { describe, expect, it } from 'vitest';
import { parameterCount, presetConfig, validateConfig } from '../model/config';
import {
  computeOptimalParameters,
  familyConfig,
  familyShape,
  runMs,
  stepsInTime,
  stepsPatch,
  TOKENS_PER_PARAMETER,
} from './budget';

describe('the steps that fit a time budget', () => {
  const speed = { stepMs: 100, evalBatchMs: 40 };

  it('counts each evaluation as its batches', () => {
    // 50 steps, 5 evaluations of 3 batches: 5,000 + 5·3·40 ms.
    expect(runMs(50, speed, { evalInterval: 10, evalBatches: 3 })).toBe(5600);
    expect(runMs(50, speed, { evalInterval: 0, evalBatches: 3 })).toBe(5000);
  });

  it('gives the most steps that fit, and no more', () => {
    for (const s of [
      { evalInterval: 10, evalBatches: 3 },
      { evalInterval: 1, evalBatches: 2 },
      { evalInterval: 500, evalBatches: 200 },
      { evalInterval: 0, evalBatches: 5 },
    ]) {
      for (const ms of [99, 100, 1000, 5599, 5600, 60_000, 3_600_000]) {
        const steps = stepsInTime(ms, speed, s);
        if (steps > 0) expect(runMs(steps, speed, s)).toBeLessThanOrEqual(ms);
        expect(runMs(steps + 1, speed, s)).toBeGreaterThan(ms);
      }
    }
    expect(stepsInTime(5600, speed, { evalInterval: 10, evalBatches: 3 })).toBe(50);
    expect(stepsInTime(0, speed, { evalInterval: 10, evalBatches: 3 })).toBe(0);
  });

  it('keeps the warm-up where steps remain after it', () => {
    expect(stepsPatch({ warmupSteps: 100 }, 5000)).toEqual({ totalSteps: 5000, warmupSteps: 100 });
    expect(stepsPatch({ warmupSteps: 100 }, 100)).toEqual({ totalSteps: 100, warmupSteps: 10 });
    expect(stepsPatch({ warmupSteps: 5 }, 3)).toEqual({ totalSteps: 3, warmupSteps: 1 });
  });
});

describe('the compute-optimal size', () => {
  it('is the measured model where it trains 20 tokens a parameter in the budget', () => {
    const n = 1e6;
    const tokensPerSec = 50_000;
    const seconds = (TOKENS_PER_PARAMETER * n) / tokensPerSec;
    expect(computeOptimalParameters(n, tokensPerSec, seconds)).toBeCloseTo(n, 6);
    // Four times the compute: twice the parameters (and twice the tokens).
    expect(computeOptimalParameters(n, tokensPerSec, 4 * seconds)).toBeCloseTo(2 * n, 6);
  });

  it("is drawn in the family's shape, which both presets are", () => {
    for (const preset of ['i3-tiny', 'i3-22m'] as const) {
      const config = presetConfig(preset);
      expect(familyShape(config, config.d_model, config.n_layers)).toEqual(config);
      expect(familyConfig(config, parameterCount(config))).toEqual(config);
    }
  });

  it('comes near the count asked for, as a valid config, growing with it', () => {
    const base = presetConfig('i3-tiny');
    let last = 0;
    for (const target of [5e5, 1e6, 3e6, 1e7, 3e7, 1e8]) {
      const config = familyConfig(base, target);
      expect(validateConfig(config)).toEqual([]);
      const n = parameterCount(config);
      expect(Math.abs(Math.log(n / target))).toBeLessThan(Math.log(1.25));
      expect(n).toBeGreaterThan(last);
      last = n;
      // The vocabulary, context and the rest stay the base's.
      expect(config.vocab_size).toBe(base.vocab_size);
      expect(config.max_seq_len).toBe(base.max_seq_len);
    }
    // Below the smallest of the family: the smallest.
    const smallest = familyConfig(base, 1000);
    expect([smallest.d_model, smallest.n_layers]).toEqual([32, 1]);
  });
});
