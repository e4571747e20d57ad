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
