// What the next run will train: the model config (a preset, optionally edited) and the training
// settings, with the spec's defaults per preset. Kept in localStorage, so that a reload keeps the
// setup as it was left.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { type I3Config, PRESETS, type PresetName } from '../model/config';
import type { TrainSettings } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { localStore } from './localStore';

interface SetupState {
  preset: PresetName;
  config: I3Config;
  settings: TrainSettings;
  /** The time the Model pane plans the run to (TimeBudget), in minutes. */
  budgetMinutes: number;
  choosePreset: (preset: PresetName) => void;
  setConfig: (patch: Partial<I3Config>) => void;
  setSettings: (patch: Partial<TrainSettings>) => void;
  setSchedule: (patch: Partial<TrainSettings['schedule']>) => void;
  setBudgetMinutes: (minutes: number) => void;
  /** Takes an earlier run's model and settings for the next run (setupLike). */
  adopt: (config: I3Config, settings: TrainSettings) => void;
}

type SavedSetup = Pick<SetupState, 'preset' | 'config' | 'settings'> &
  Partial<Pick<SetupState, 'budgetMinutes'>>;

const DEFAULT_BUDGET_MINUTES = 60;

/**
 * The setup as saved, with what an older studio did not save (later settings) from the preset's
 * defaults; nothing from something that is not a saved setup.
 */
export function restoreSetup(saved: unknown): Partial<SavedSetup> {
  const s = saved as Partial<SavedSetup> | undefined;
  if (!s?.preset || !(s.preset in PRESETS) || !s.config || !s.settings) return {};
  const defaults = defaultSettings(s.preset, PRESETS[s.preset]);
  return {
    preset: s.preset,
    ...(typeof s.budgetMinutes === 'number' && s.budgetMinutes > 0
      ? { budgetMinutes: s.budgetMinutes }
      : {}),
    config: { ...PRESETS[s.preset], ...s.config },
    settings: {
      ...defaults,
      ...s.settings,
      schedule: { ...defaults.schedule, ...s.settings.schedule },
    },
  };
}

/** The preset a config is, its vocabulary aside (the dataset's tokenizer sets that), if any. */
export function presetOf(config: I3Config): PresetName | undefined {
  const arch = (c: I3Config) => JSON.stringify({ ...c, vocab_size: 0 });
  return (Object.keys(PRESETS) as PresetName[]).find((p) => arch(PRESETS[p]) === arch(config));
}

/**
 * The setup of a new run like an earlier one: its model (under its preset's name where it is
 * one, else under `preset`, as an edited config is) and its settings. A fine-tuning run's
 * schedule, which started at its checkpoint's step, becomes the same warm-up and length from
 * step 0.
 */
export function setupLike(
  config: I3Config,
  settings: TrainSettings,
  preset: PresetName,
): SavedSetup {
  const { startStep = 0, ...schedule } = settings.schedule;
  return {
    preset: presetOf(config) ?? preset,
    config,
    settings: {
      ...settings,
      schedule: { ...schedule, totalSteps: schedule.totalSteps - startStep },
    },
  };
}

export const useSetup = create<SetupState>()(
  persist(
    (set, get) => ({
      preset: 'i3-tiny',
      config: PRESETS['i3-tiny'],
      settings: defaultSettings('i3-tiny', PRESETS['i3-tiny']),
      budgetMinutes: DEFAULT_BUDGET_MINUTES,
      choosePreset: (preset) =>
        set({
          preset,
          config: PRESETS[preset],
          settings: defaultSettings(preset, PRESETS[preset]),
        }),
      setConfig: (patch) =>
        set((s) => {
          const config = { ...s.config, ...patch };
          return { config, settings: { ...s.settings, seqLen: config.max_seq_len } };
        }),
      setSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
      setSchedule: (patch) =>
        set((s) => ({
          settings: { ...s.settings, schedule: { ...s.settings.schedule, ...patch } },
        })),
      setBudgetMinutes: (budgetMinutes) => set({ budgetMinutes }),
      adopt: (config, settings) => set(setupLike(config, settings, get().preset)),
    }),
    {
      name: 'i3-studio-setup',
      version: 1,
      storage: localStore<SavedSetup>(),
      partialize: ({ preset, config, settings, budgetMinutes }): SavedSetup => ({
        preset,
        config,
        settings,
        budgetMinutes,
      }),
      merge: (saved, current) => ({ ...current, ...restoreSetup(saved) }),
    },
  ),
);
