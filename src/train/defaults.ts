// The spec's training defaults for each preset (AdamW, warm-up then cosine, clip 1.0), with
// shorter runs and a higher rate for the tiny test preset.
import type { I3Config, PresetName } from '../model/config';
import type { TrainSettings } from './checkpoint';

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
