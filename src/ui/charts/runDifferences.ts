// What sets the charted runs apart: each model or training setting whose value is not the same
// in all of them, with each run's value, as the Model pane names them. Read beside the curves.
import type { I3Config } from '../../model/config';
import { activationsOf } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { DEFAULT_COOLDOWN } from '../../train/schedule';
import { CONFIG_LABELS, SETTING_LABELS } from '../../train/settingLabels';

type Compared = Pick<RunRecord, 'config' | 'settings' | 'datasetId'>;

export interface Difference {
  label: string;
  /** One value per run, in the runs' order. */
  values: string[];
}

/** Each setting compared: its label and a run's value in words. */
const SETTINGS: [string, (r: Compared) => string][] = [
  [SETTING_LABELS.peakLr, (r) => String(r.settings.schedule.peakLr)],
  [SETTING_LABELS.warmupSteps, (r) => String(r.settings.schedule.warmupSteps)],
  [SETTING_LABELS.totalSteps, (r) => String(r.settings.schedule.totalSteps)],
  [SETTING_LABELS.decay, (r) => r.settings.schedule.decay ?? 'cosine'],
  [SETTING_LABELS.minRatio, (r) => `${+(r.settings.schedule.minRatio * 100).toPrecision(6)}`],
  [
    SETTING_LABELS.cooldown,
    (r) =>
      r.settings.schedule.decay === 'wsd'
        ? `${+((r.settings.schedule.cooldown ?? DEFAULT_COOLDOWN) * 100).toPrecision(6)}`
        : '—',
  ],
  [SETTING_LABELS.batchSize, (r) => String(r.settings.batchSize)],
  [SETTING_LABELS.accumSteps, (r) => String(r.settings.accumSteps)],
  [SETTING_LABELS.weightDecay, (r) => String(r.settings.weightDecay)],
  [SETTING_LABELS.clipNorm, (r) => String(r.settings.clipNorm)],
  [SETTING_LABELS.seed, (r) => String(r.settings.seed)],
  [SETTING_LABELS.activations, (r) => activationsOf(r.settings)],
];

/**
 * The settings in which `runs` differ, each with every run's value; the dataset and the mixture
 * by name (`datasetName` names a stored dataset, else undefined: a deleted one).
 */
export function runDifferences(
  runs: readonly Compared[],
  datasetName: (id: string) => string | undefined,
): Difference[] {
  const named = (id: string) => datasetName(id) ?? 'a deleted dataset';
  const compared: [string, (r: Compared) => string][] = [
    ['dataset', (r) => named(r.datasetId)],
    [
      'mixed in',
      (r) =>
        (r.settings.mixIn ?? [])
          .map((m) => `${named(m.datasetId)} ${Math.round(m.share * 100)}%`)
          .join(', ') || '—',
    ],
    ...(Object.entries(CONFIG_LABELS) as [keyof I3Config, string][]).map(
      ([key, label]): [string, (r: Compared) => string] => [label, (r) => String(r.config[key])],
    ),
    ['vocabulary', (r) => r.config.vocab_size.toLocaleString('en-US')],
    ...SETTINGS,
  ];
  return compared.flatMap(([label, value]) => {
    const values = runs.map(value);
    return new Set(values).size > 1 ? [{ label, values }] : [];
  });
}
