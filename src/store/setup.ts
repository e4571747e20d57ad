// What the next run will train: the model config (a preset, optionally edited) and the training
// settings, with the spec's defaults per preset.
import { create } from 'zustand';
import { type I3Config, PRESETS, type PresetName } from '../model/config';
import type { TrainSettings } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';

interface SetupState {
  preset: PresetName;
  config: I3Config;
  settings: TrainSettings;
  choosePreset: (preset: PresetName) => void;
  setConfig: (patch: Partial<I3Config>) => void;
  setSettings: (patch: Partial<TrainSettings>) => void;
  setSchedule: (patch: Partial<TrainSettings['schedule']>) => void;
}

export const useSetup = create<SetupState>((set) => ({
  preset: 'i3-tiny',
  config: PRESETS['i3-tiny'],
  settings: defaultSettings('i3-tiny', PRESETS['i3-tiny']),
  choosePreset: (preset) =>
    set({ preset, config: PRESETS[preset], settings: defaultSettings(preset, PRESETS[preset]) }),
  setConfig: (patch) =>
    set((s) => {
      const config = { ...s.config, ...patch };
      return { config, settings: { ...s.settings, seqLen: config.max_seq_len } };
    }),
  setSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  setSchedule: (patch) =>
    set((s) => ({ settings: { ...s.settings, schedule: { ...s.settings.schedule, ...patch } } })),
}));
