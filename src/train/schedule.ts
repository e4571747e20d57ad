// Learning-rate schedule: linear warm-up from 0, then cosine decay to a floor (10% of the peak
// by the spec's defaults). Step numbers count optimizer steps from 0. A schedule may start past
// step 0 (startStep): a checkpoint fine-tuned on new data warms up afresh from its own step.

export interface LrSchedule {
  peakLr: number;
  warmupSteps: number;
  /** The last step, counted from 0 like the steps before startStep. */
  totalSteps: number;
  /** The final learning rate as a fraction of the peak. */
  minRatio: number;
  /** The step the warm-up starts at (default 0); the steps before it had another schedule. */
  startStep?: number;
}

export function learningRate(s: LrSchedule, step: number): number {
  const start = s.startStep ?? 0;
  const t = Math.max(0, step - start);
  if (t < s.warmupSteps) return (s.peakLr * (t + 1)) / s.warmupSteps;
  const decaySteps = Math.max(1, s.totalSteps - start - s.warmupSteps);
  const progress = Math.min(1, (t - s.warmupSteps) / decaySteps);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return s.peakLr * (s.minRatio + (1 - s.minRatio) * cosine);
}

/**
 * The schedule as (step, rate) points over steps startStep + 1..totalSteps, as the trainer numbers
 * them: at most `count` of them, evenly spaced, with the last warm-up step (the peak) and the last
 * step.
 */
export function learningRateCurve(s: LrSchedule, count: number): { x: number; y: number }[] {
  const start = s.startStep ?? 0;
  const every = Math.max(1, Math.ceil((s.totalSteps - start) / count));
  const steps = new Set<number>();
  for (let step = start + 1; step <= s.totalSteps; step += every) steps.add(step);
  const peak = start + s.warmupSteps;
  if (s.warmupSteps >= 1 && peak <= s.totalSteps) steps.add(peak);
  steps.add(s.totalSteps);
  return [...steps].sort((a, b) => a - b).map((x) => ({ x, y: learningRate(s, x - 1) }));
}
