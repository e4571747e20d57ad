// Learning-rate schedule: linear warm-up from 0, then a decay to a floor (10% of the peak by the
// spec's defaults): a cosine (the spec's), a straight line, none (constant), or warm-up-stable-decay
// (the peak held, then a short cool-down at the end). Step numbers count optimizer steps from 0. A
// schedule may start past step 0 (startStep): a checkpoint fine-tuned on new data warms up afresh
// from its own step.

/** How the rate falls after the warm-up (docs/learning-rate.md). */
export type LrDecay = 'cosine' | 'linear' | 'wsd' | 'constant';

export const LR_DECAYS: readonly LrDecay[] = ['cosine', 'linear', 'wsd', 'constant'];

/** The share of the steps after the warm-up a warm-up-stable-decay schedule cools down over. */
export const DEFAULT_COOLDOWN = 0.2;

export interface LrSchedule {
  peakLr: number;
  warmupSteps: number;
  /** The last step, counted from 0 like the steps before startStep. */
  totalSteps: number;
  /** The final learning rate as a fraction of the peak (not reached by 'constant'). */
  minRatio: number;
  /** The step the warm-up starts at (default 0); the steps before it had another schedule. */
  startStep?: number;
  /** Absent in schedules saved before the choice: 'cosine'. */
  decay?: LrDecay;
  /** 'wsd' only: the share of the steps after the warm-up spent cooling down (default 0.2). */
  cooldown?: number;
}

export function learningRate(s: LrSchedule, step: number): number {
  const start = s.startStep ?? 0;
  const t = Math.max(0, step - start);
  if (t < s.warmupSteps) return (s.peakLr * (t + 1)) / s.warmupSteps;
  const decaySteps = Math.max(1, s.totalSteps - start - s.warmupSteps);
  const p = Math.min(1, (t - s.warmupSteps) / decaySteps);
  return s.peakLr * (s.minRatio + (1 - s.minRatio) * remaining(s, p));
}

/** How much of the way from the floor to the peak the rate is at progress p of the decay. */
function remaining(s: LrSchedule, p: number): number {
  switch (s.decay ?? 'cosine') {
    case 'cosine':
      return 0.5 * (1 + Math.cos(Math.PI * p));
    case 'linear':
      return 1 - p;
    case 'constant':
      return 1;
    case 'wsd': {
      // 1 − √q over the cool-down: it beat a linear cool-down in Hägele et al. (2024).
      const c = s.cooldown ?? DEFAULT_COOLDOWN;
      return 1 - Math.sqrt(Math.max(0, (p - (1 - c)) / c));
    }
  }
}

/** The step the schedule's warm-up ends at: its rate is at the peak from there. */
const warmedUp = (s: LrSchedule) => (s.startStep ?? 0) + s.warmupSteps;

/** The step (as the trainer numbers them, from 1) a 'wsd' schedule's cool-down starts after. */
function cooldownStart(s: LrSchedule): number | undefined {
  if (s.decay !== 'wsd') return undefined;
  const decaySteps = Math.max(1, s.totalSteps - warmedUp(s));
  return warmedUp(s) + Math.round(decaySteps * (1 - (s.cooldown ?? DEFAULT_COOLDOWN)));
}

/**
 * Whether the rate at `step` (steps done) is the held peak, as it would stay were the run longer:
 * a constant schedule, or a warm-up-stable-decay one before its cool-down.
 */
const holdsRate = (s: LrSchedule, step: number) =>
  s.decay === 'constant' || (s.decay === 'wsd' && step < cooldownStart(s)!);

/**
 * The schedule of a run that trains a checkpoint at `step` further for `moreSteps` on new data: a
 * warm-up, peak and decay of its own (`s`'s), from that step.
 */
export const scheduleFrom = (s: LrSchedule, step: number, moreSteps: number): LrSchedule => ({
  ...s,
  startStep: step,
  totalSteps: step + moreSteps,
});

/**
 * A warm-up-stable-decay schedule cut short: its cool-down starts after `step` (steps done), as
 * long a share of the schedule as before, so the run ends at the returned totalSteps. Undefined
 * where there is no stable phase to cut at `step`: another decay, still warming up, or already
 * cooling down.
 */
export function coolDownFrom(s: LrSchedule, step: number): LrSchedule | undefined {
  const stable = warmedUp(s);
  if (s.decay !== 'wsd' || step <= stable || !holdsRate(s, step)) return undefined;
  const c = s.cooldown ?? DEFAULT_COOLDOWN;
  // (step − stable) / (total − stable) = 1 − c: rounded up, the cool-down takes at least its share.
  return { ...s, totalSteps: stable + Math.ceil((step - stable) / (1 - c)) };
}

/**
 * A schedule that holds its rate made to end `steps` steps after `step` (steps done): a
 * warm-up-stable-decay one in its stable phase cools down over exactly those steps, from now (its
 * cool-down share set to them); a constant one past its warm-up ends there. Undefined for the
 * others, whose rate at `step` would jump, and for no steps.
 */
export function finishAfter(s: LrSchedule, step: number, steps: number): LrSchedule | undefined {
  const stable = warmedUp(s);
  const valid = Number.isInteger(steps) && steps >= 1;
  if (!valid || step <= stable || !holdsRate(s, step)) return undefined;
  const totalSteps = step + steps;
  return s.decay === 'wsd'
    ? { ...s, totalSteps, cooldown: steps / (totalSteps - stable) }
    : { ...s, totalSteps };
}

/**
 * The changes a live run's schedule takes, and what each makes of it (undefined: none here): its
 * cool-down now, more steps, or an end `finishAfter` steps from now.
 */
export type Reschedule = 'cool-down' | 'longer' | { finishAfter: number };

export function rescheduled(s: LrSchedule, step: number, to: Reschedule): LrSchedule | undefined {
  if (typeof to === 'object') return finishAfter(s, step, to.finishAfter);
  return to === 'cool-down' ? coolDownFrom(s, step) : lengthen(s, step);
}

/** How much longer "Train longer" makes a schedule's steps after its warm-up. */
export const LONGER = 1.5;

/**
 * A schedule that holds its rate made LONGER times as long after its warm-up: a constant one, or
 * a warm-up-stable-decay one still in its stable phase at `step` (its cool-down, the same share,
 * moves to the new end). Undefined for the others, whose rate at `step` would jump.
 */
export function lengthen(s: LrSchedule, step: number): LrSchedule | undefined {
  if (!holdsRate(s, step) || step >= s.totalSteps) return undefined;
  const stable = warmedUp(s);
  return { ...s, totalSteps: stable + Math.ceil((s.totalSteps - stable) * LONGER) };
}

/**
 * The schedule as (step, rate) points over steps startStep + 1..totalSteps, as the trainer numbers
 * them: at most `count` of them, evenly spaced, with the last warm-up step (the peak), the start
 * of a cool-down and the last step.
 */
export function learningRateCurve(s: LrSchedule, count: number): { x: number; y: number }[] {
  const start = s.startStep ?? 0;
  const every = Math.max(1, Math.ceil((s.totalSteps - start) / count));
  const steps = new Set<number>();
  for (let step = start + 1; step <= s.totalSteps; step += every) steps.add(step);
  const peak = start + s.warmupSteps;
  if (s.warmupSteps >= 1 && peak <= s.totalSteps) steps.add(peak);
  const cool = cooldownStart(s);
  if (cool !== undefined && cool > start && cool <= s.totalSteps) steps.add(cool);
  steps.add(s.totalSteps);
  return [...steps].sort((a, b) => a - b).map((x) => ({ x, y: learningRate(s, x - 1) }));
}

/** What follows the warm-up, in words: "cosine decay to 10% of the peak". */
export function decayInWords(s: LrSchedule): string {
  const floor = `${+(s.minRatio * 100).toPrecision(3)}% of the peak`;
  switch (s.decay ?? 'cosine') {
    case 'cosine':
      return `cosine decay to ${floor}`;
    case 'linear':
      return `linear decay to ${floor}`;
    case 'constant':
      return 'the peak held to the end';
    case 'wsd':
      return `the peak held, then a 1 − √ cool-down to ${floor} over the last ${Math.round((s.cooldown ?? DEFAULT_COOLDOWN) * 100)}% of the steps`;
  }
}
