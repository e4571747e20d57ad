import { describe, expect, it } from 'vitest';
import { timeSteps } from './stepTiming';
import { STEPS_IN_FLIGHT, type StepStats } from './trainer';

describe('step timing', () => {
  it('keeps at most STEPS_IN_FLIGHT steps queued, times each, and returns the last statistics', async () => {
    let pending = 0;
    let most = 0;
    let n = 0;
    const step = () => {
      const k = ++n;
      pending++;
      most = Math.max(most, pending);
      return new Promise<StepStats>((resolve) =>
        setTimeout(() => {
          pending--;
          resolve({ loss: k, gradNorm: 0, partNorms: [] });
        }, 1),
      );
    };
    const t = await timeSteps(step, 7);
    expect(t.ms).toHaveLength(7);
    expect(t.cpuMs).toHaveLength(7);
    expect(t.ms.every((ms) => ms >= 0)).toBe(true);
    expect(t.last.loss).toBe(7);
    expect(most).toBe(STEPS_IN_FLIGHT);
    expect(pending).toBe(0);
  });
});
