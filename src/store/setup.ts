// What the next run will train: the model config (a preset, optionally edited) and the training
// settings, with the spec's defaults per preset.
import { create } from 'zustand';
import { type I3Config, PRESETS, type PresetName } from '../model/config';
import type { TrainSettings } from '../train/checkpoint';

export function defaultSettings(preset: PresetName, config: I3Config): TrainSettings {
  const small = preset === 'i3-test';
  return {
    schedule: {
      peakLr: preset === 'i3-22m' ? 6e-4 : small ? 1e-2 : 1e-3,
      warmupSteps: small ? 5 : 100,
      totalSteps: small ? 60 : preset === 'i3-tiny' ? 2000 : 20000,
      minRatio: 0.1,
    },
    batchSize: small ? 8 : 16,
    accumSteps: 1,
    seqLen: config.max_seq_len,
    weightDecay: 0.1,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    clipNorm: 1,
    evalInterval: small ? 20 : 100,
    evalBatches: small ? 2 : 8,
    checkpointInterval: small ? 20 : 500,
    seed: 1234,
  };
}

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
