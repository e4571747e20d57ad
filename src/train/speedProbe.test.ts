import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { presetConfig } from '../model/config';
import { defaultSettings } from './defaults';
import { PROBE_MAX_STEPS, probeTrainingSpeed } from './speedProbe';

describe('speed probe', () => {
  it('times steps of the run its settings describe and frees what it made', async () => {
    const rt = await testRuntime();
    const config = presetConfig('i3-test');
    const settings = { ...defaultSettings('i3-test', config), batchSize: 2, accumSteps: 2 };
    const before = rt.memory().current - rt.memory().uniforms;
    const est = await probeTrainingSpeed(rt, config, settings, 3);
    // At least the steps asked for, more where they take under PROBE_BUSY_MS.
    expect(est.steps).toBeGreaterThanOrEqual(3);
    expect(est.steps).toBeLessThanOrEqual(PROBE_MAX_STEPS);
    expect(est.stepMs).toBeGreaterThan(0);
    // A validation batch timed too (budget.ts counts a run's evaluations with it).
    expect(est.evalBatchMs).toBeGreaterThan(0);
    // Tokens of an optimizer step: 2 micro-batches of 2 × 16.
    expect(est.tokensPerSec).toBeCloseTo(64 / (est.stepMs / 1000), 6);
    expect(rt.memory().current - rt.memory().uniforms).toBe(before);
    // Where the profiled step's time went: the model's own parts, each with some.
    const parts = est.breakdown.map((b) => b.part);
    for (const p of ['projections (matmul)', 'selective scan', 'attention', 'optimizer']) {
      expect(parts).toContain(p);
    }
    expect(parts).not.toContain('other');
    for (const b of est.breakdown) expect(b.ms).toBeGreaterThan(0);
    // SwiftShader has no GPU timestamps: each launch was replayed and timed alone.
    expect(est.profiledBy).toBe(rt.info.features.timestamps ? 'timestamp-query' : 'wall-clock');
    // A batch the device cannot make is refused with the run's own message.
    await expect(
      probeTrainingSpeed(rt, config, { ...settings, batchSize: 2 ** 18 }),
    ).rejects.toThrow(/this GPU makes buffers of at most/);
  });
});
