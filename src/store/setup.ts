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
  choosePreset: (preset: PresetName) => void;
  setConfig: (patch: Partial<I3Config>) => void;
  setSettings: (patch: Partial<TrainSettings>) => void;
  setSchedule: (patch: Partial<TrainSettings['schedule']>) => void;
}

type SavedSetup = Pick<SetupState, 'preset' | 'config' | 'settings'>;

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
    config: { ...PRESETS[s.preset], ...s.config },
    settings: {
      ...defaults,
      ...s.settings,
      schedule: { ...defaults.schedule, ...s.settings.schedule },
    },
  };
}

export const useSetup = create<SetupState>()(
  persist(
    (set) => ({
      preset: 'i3-tiny',
      config: PRESETS['i3-tiny'],
      settings: defaultSettings('i3-tiny', PRESETS['i3-tiny']),
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
    }),
    {
      name: 'i3-studio-setup',
      version: 1,
      storage: localStore<SavedSetup>(),
      partialize: ({ preset, config, settings }): SavedSetup => ({ preset, config, settings }),
      merge: (saved, current) => ({ ...current, ...restoreSetup(saved) }),
    },
  ),
);
