// The bundle's train_i3.py continues a run on the studio's learning-rate schedule: its
// learning_rate must give the studio's rate at every step, for every decay.
import { describe, expect, it } from 'vitest';
import { LR_DECAYS, type LrSchedule, learningRate } from '../train/schedule';
import { runPython, torchUnavailable } from './pythonInterop';

const skipReason = await torchUnavailable();
if (skipReason) console.warn(`SKIPPED train_i3.py schedule test: ${skipReason}`);

const PRINT_RATES = `
import json, sys
sys.path.insert(0, sys.argv[1])
from train_i3 import learning_rate
schedules = json.loads(sys.argv[2])
print(json.dumps([[learning_rate(s, t) for t in range(s["totalSteps"] + 5)] for s in schedules]))
`;

describe.skipIf(skipReason !== null)("train_i3.py's learning rate", () => {
  it('is the studio’s at every step, for every decay, from step 0 or later', async () => {
    const base = { peakLr: 3e-3, warmupSteps: 7, totalSteps: 60, minRatio: 0.1 };
    const schedules: LrSchedule[] = [
      base,
      ...LR_DECAYS.map((decay) => ({ ...base, decay })),
      { ...base, decay: 'wsd', cooldown: 0.35, minRatio: 0 },
      { ...base, decay: 'linear', startStep: 20 },
    ];
    const r = await runPython([
      '-c',
      PRINT_RATES,
      new URL('hf', import.meta.url).pathname,
      JSON.stringify(schedules),
    ]);
    expect(r.stderr).toBe('');
    const rates = JSON.parse(r.stdout) as number[][];
    schedules.forEach((s, i) => {
      const studio = Array.from({ length: s.totalSteps + 5 }, (_, t) => learningRate(s, t));
      // Both in float64, by the same formula: equal but for the last bits of Math.cos / sqrt.
      for (const [t, rate] of rates[i].entries()) expect(rate).toBeCloseTo(studio[t], 15);
    });
  }, 60_000);
});
