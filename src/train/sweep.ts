// A sweep: one setup trained once for each of a few values of one of its settings, one run after
// another (the Train pane's queue), so that their curves share the charts and their validation
// losses line up against the value in the sweep chart.
import { type I3Config, validateConfig } from '../model/config';
import type { TrainSettings } from './checkpoint';
import { runTooLarge, validateSettings } from './defaults';
import { LR_DECAYS } from './schedule';
import { CONFIG_LABELS, SETTING_LABELS } from './settingLabels';

export type SweepAxis =
  | 'peakLr'
  | 'weightDecay'
  | 'warmupSteps'
  | 'batchSize'
  | 'seed'
  | 'd_model'
  | 'n_layers'
  | 'decay';

/** A number, or one of a choice axis's names (the decay's). */
export type SweepValue = number | string;

interface AxisInfo {
  /** As the Model pane labels the field. */
  label: string;
  /** As a run's name carries the value. */
  short: string;
  /** The names a choice axis takes, in the order its chart lists them; absent: numbers. */
  choices?: readonly string[];
  integer: boolean;
  /** Values spread over decades (the chart's axis is logarithmic). */
  log: boolean;
  get: (config: I3Config, settings: TrainSettings) => SweepValue;
  set: (
    config: I3Config,
    settings: TrainSettings,
    value: SweepValue,
  ) => { config: I3Config; settings: TrainSettings };
}

const onSettings =
  (key: 'weightDecay' | 'batchSize' | 'seed') =>
  (config: I3Config, settings: TrainSettings, value: SweepValue) => ({
    config,
    settings: { ...settings, [key]: value },
  });
const onSchedule =
  (key: 'peakLr' | 'warmupSteps' | 'decay') =>
  (config: I3Config, settings: TrainSettings, value: SweepValue) => ({
    config,
    settings: { ...settings, schedule: { ...settings.schedule, [key]: value } },
  });
const onConfig =
  (key: 'd_model' | 'n_layers') =>
  (config: I3Config, settings: TrainSettings, value: SweepValue) => ({
    config: { ...config, [key]: value },
    settings,
  });

export const SWEEP_AXES: Record<SweepAxis, AxisInfo> = {
  peakLr: {
    label: SETTING_LABELS.peakLr,
    short: 'lr',
    integer: false,
    log: true,
    get: (_, s) => s.schedule.peakLr,
    set: onSchedule('peakLr'),
  },
  weightDecay: {
    label: SETTING_LABELS.weightDecay,
    short: 'wd',
    integer: false,
    log: false,
    get: (_, s) => s.weightDecay,
    set: onSettings('weightDecay'),
  },
  warmupSteps: {
    label: SETTING_LABELS.warmupSteps,
    short: 'warm-up',
    integer: true,
    log: false,
    get: (_, s) => s.schedule.warmupSteps,
    set: onSchedule('warmupSteps'),
  },
  batchSize: {
    label: SETTING_LABELS.batchSize,
    short: 'batch',
    integer: true,
    log: false,
    get: (_, s) => s.batchSize,
    set: onSettings('batchSize'),
  },
  seed: {
    label: SETTING_LABELS.seed,
    short: 'seed',
    integer: true,
    log: false,
    get: (_, s) => s.seed,
    set: onSettings('seed'),
  },
  d_model: {
    label: CONFIG_LABELS.d_model!,
    short: 'D',
    integer: true,
    log: false,
    get: (c) => c.d_model,
    set: onConfig('d_model'),
  },
  n_layers: {
    label: CONFIG_LABELS.n_layers!,
    short: 'L',
    integer: true,
    log: false,
    get: (c) => c.n_layers,
    set: onConfig('n_layers'),
  },
  decay: {
    label: SETTING_LABELS.decay,
    short: 'decay',
    choices: LR_DECAYS,
    integer: false,
    log: false,
    get: (_, s) => s.schedule.decay ?? 'cosine',
    set: onSchedule('decay'),
  },
};

/** The most runs one sweep queues: each is a whole run, trained one after another. */
export const MAX_SWEEP_RUNS = 8;

/** Which sweep a run belongs to, and its value there (kept in the run's record). */
export interface SweepTag {
  id: string;
  axis: SweepAxis;
  value: SweepValue;
}

/**
 * The values of a sweep as typed ("1e-3, 3e-3 1e-2": commas or spaces between), in the order
 * given, or what is wrong with them.
 */
export function parseSweepValues(text: string, axis: SweepAxis): SweepValue[] | string {
  const words = text.split(/[\s,;]+/).filter(Boolean);
  if (words.length < 2) return 'Give two values or more, separated by commas.';
  if (words.length > MAX_SWEEP_RUNS) {
    return `At most ${MAX_SWEEP_RUNS} values: each is a whole run, trained one after another.`;
  }
  const { choices, integer, label } = SWEEP_AXES[axis];
  const values: SweepValue[] = [];
  for (const w of words) {
    if (choices && !choices.includes(w)) return `"${w}" is not one of ${choices.join(', ')}.`;
    const v = choices ? w : Number(w);
    if (!choices && !Number.isFinite(v)) return `"${w}" is not a number.`;
    if (integer && !Number.isInteger(v)) return `${label} takes whole numbers: "${w}" is not one.`;
    if (values.includes(v)) return `${w} is given twice.`;
    values.push(v);
  }
  return values;
}

/** The setup of the sweep's run at `value`: the base with the one setting changed. */
export function sweepVariant(
  config: I3Config,
  settings: TrainSettings,
  axis: SweepAxis,
  value: SweepValue,
): { config: I3Config; settings: TrainSettings } {
  return SWEEP_AXES[axis].set(config, settings, value);
}

/** A sweep run's name: the base name and the value, e.g. "i3-tiny #3 · lr 0.003". */
export const sweepRunName = (base: string, axis: SweepAxis, value: SweepValue) =>
  `${base} · ${SWEEP_AXES[axis].short} ${value}`;

/**
 * Why the sweep's run at each value could not train (its config or settings invalid, or its
 * buffers over this GPU's largest), one line a value; empty when every run can.
 */
export function sweepProblems(
  config: I3Config,
  settings: TrainSettings,
  axis: SweepAxis,
  values: readonly SweepValue[],
  maxBufferSize: number,
): string[] {
  return values.flatMap((value) => {
    const v = sweepVariant(config, settings, axis, value);
    const problems = [...validateConfig(v.config), ...validateSettings(v.settings)];
    const tooLarge = problems.length ? undefined : runTooLarge(v.config, v.settings, maxBufferSize);
    const all = tooLarge ? [tooLarge] : problems;
    return all.length ? [`${SWEEP_AXES[axis].short} ${value}: ${all.join('; ')}`] : [];
  });
}
