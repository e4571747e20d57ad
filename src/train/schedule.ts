// Learning-rate schedule: linear warm-up from 0, then cosine decay to a floor (10% of the peak
// by the spec's defaults). Step numbers count optimizer steps from 0.

export interface LrSchedule {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  /** The final learning rate as a fraction of the peak. */
  minRatio: number;
}

export function learningRate(s: LrSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / s.warmupSteps;
  const decaySteps = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / decaySteps);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return s.peakLr * (s.minRatio + (1 - s.minRatio) * cosine);
}

/**
 * The schedule as (step, rate) points over steps 1..totalSteps, as the trainer numbers them: at
 * most `count` of them, evenly spaced, with the last warm-up step (the peak) and the last step.
 */
export function learningRateCurve(s: LrSchedule, count: number): { x: number; y: number }[] {
  const every = Math.max(1, Math.ceil(s.totalSteps / count));
  const steps = new Set<number>();
  for (let step = 1; step <= s.totalSteps; step += every) steps.add(step);
  if (s.warmupSteps >= 1 && s.warmupSteps <= s.totalSteps) steps.add(s.warmupSteps);
  steps.add(s.totalSteps);
  return [...steps].sort((a, b) => a - b).map((x) => ({ x, y: learningRate(s, x - 1) }));
}
