// The names the studio gives the model's and the training's settings, wherever it writes them:
// the Model pane's fields, sweeps (and the CLI's messages about them), the differences between
// charted runs.
import type { I3Config } from '../model/config';

export const CONFIG_LABELS: Partial<Record<keyof I3Config, string>> = {
  d_model: 'width D',
  n_layers: 'blocks L',
  n_heads: 'heads H',
  d_state: 'SSM state N',
  rank: 'low rank r',
  dt_rank: 'step rank R',
  d_conv: 'conv width K',
  max_seq_len: 'context T',
};

export const SETTING_LABELS = {
  peakLr: 'peak learning rate',
  warmupSteps: 'warm-up steps',
  totalSteps: 'total steps',
  decay: 'decay after the warm-up',
  minRatio: 'final rate (% of the peak)',
  cooldown: 'cool-down (% of the steps)',
  batchSize: 'batch (sequences)',
  accumSteps: 'gradient accumulation',
  weightDecay: 'weight decay',
  clipNorm: 'gradient clip',
  evalInterval: 'eval every (steps)',
  evalBatches: 'eval batches',
  checkpointInterval: 'checkpoint every (steps)',
  seed: 'seed',
  activations: 'activations',
} as const;
