// The spec's training defaults for each preset (AdamW, warm-up then cosine, clip 1.0), with
// shorter runs and a higher rate for the tiny test preset.
import {
  ACTIVATION_MODES,
  type ActivationMode,
  bufferTooLarge,
  DEFAULT_ACTIVATIONS,
} from '../model/buffers';
import type { I3Config, PresetName } from '../model/config';
import type { TrainSettings } from './checkpoint';
import { DEFAULT_COOLDOWN, LR_DECAYS } from './schedule';

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
    activations: DEFAULT_ACTIVATIONS,
    sampleTokens: small ? 24 : 48,
    samplePrompt: '',
    earlyStopPatience: 0,
  };
}

/** What the run's backward keeps: settings saved before the choice existed lack it ('keep'). */
export const activationsOf = (s: TrainSettings): ActivationMode =>
  s.activations ?? DEFAULT_ACTIVATIONS;

/**
 * Why a GPU whose largest buffer is `maxBufferSize` bytes cannot make the buffers of a run of this
 * config and these settings, or undefined: the Model pane says it, the run refuses to start.
 */
export const runTooLarge = (
  config: I3Config,
  s: TrainSettings,
  maxBufferSize: number,
): string | undefined =>
  bufferTooLarge(config, { B: s.batchSize, T: s.seqLen }, activationsOf(s), maxBufferSize);

/** Whether a run with these settings writes samples: it asks for some tokens, and evaluates. */
export const writesSamples = (s: TrainSettings): boolean =>
  (s.sampleTokens ?? 0) > 0 && s.evalInterval > 0;

/** Limits of the samples written at each evaluation: short texts, a few per run's minute. */
const MAX_SAMPLE_TOKENS = 512;
const MAX_SAMPLE_PROMPT = 1000;

/** Every problem with the settings as a human sentence; empty when a run can start with them. */
export function validateSettings(s: TrainSettings): string[] {
  const errors: string[] = [];
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      errors.push(`${name} (${v}) must be a positive whole number`);
  };
  const nonNegativeInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) errors.push(`${name} (${v}) must be 0 or a whole number`);
  };
  positiveInt('total steps', s.schedule.totalSteps);
  nonNegativeInt('warm-up steps', s.schedule.warmupSteps);
  const start = s.schedule.startStep ?? 0;
  nonNegativeInt('the schedule’s first step', start);
  if (start >= s.schedule.totalSteps) {
    errors.push(`the schedule starts at step ${start}, past its last (${s.schedule.totalSteps})`);
  }
  positiveInt('batch', s.batchSize);
  positiveInt('gradient accumulation', s.accumSteps);
  positiveInt('eval batches', s.evalBatches);
  nonNegativeInt('eval every (0 = never)', s.evalInterval);
  nonNegativeInt('checkpoint every (0 = only on pause and stop)', s.checkpointInterval);
  nonNegativeInt('seed', s.seed);
  if (!(s.schedule.peakLr > 0 && s.schedule.peakLr < 1)) {
    errors.push(`peak learning rate (${s.schedule.peakLr}) must be between 0 and 1`);
  }
  const { decay = 'cosine', cooldown = DEFAULT_COOLDOWN, minRatio } = s.schedule;
  if (!LR_DECAYS.includes(decay)) {
    errors.push(`decay (${decay}) must be ${LR_DECAYS.join(', ')}`);
  }
  if (!(minRatio >= 0 && minRatio <= 1)) {
    errors.push(`final learning rate (${minRatio * 100}% of the peak) must be 0-100%`);
  }
  if (decay === 'wsd' && !(cooldown > 0 && cooldown <= 1)) {
    errors.push(`cool-down (${cooldown * 100}% of the steps) must be above 0% and at most 100%`);
  }
  if (!(s.weightDecay >= 0)) errors.push(`weight decay (${s.weightDecay}) must be 0 or more`);
  if (!(s.clipNorm >= 0)) errors.push(`gradient clip (${s.clipNorm}) must be 0 (off) or more`);
  const sampleTokens = s.sampleTokens ?? 0;
  nonNegativeInt('sample tokens (0 = none)', sampleTokens);
  if (sampleTokens > MAX_SAMPLE_TOKENS) {
    errors.push(`sample tokens (${sampleTokens}) must be at most ${MAX_SAMPLE_TOKENS}`);
  }
  if ((s.samplePrompt ?? '').length > MAX_SAMPLE_PROMPT) {
    errors.push(`the sample prompt must be at most ${MAX_SAMPLE_PROMPT} characters`);
  }
  const patience = s.earlyStopPatience ?? 0;
  nonNegativeInt('early stop after (evals; 0 = never)', patience);
  if (patience > 0 && s.evalInterval === 0) {
    errors.push('early stopping needs evaluations: set eval every above 0, or early stop to 0');
  }
  if (s.activations !== undefined && !ACTIVATION_MODES.includes(s.activations)) {
    errors.push(`activations (${s.activations}) must be ${ACTIVATION_MODES.join(' or ')}`);
  }
  const mixIn = s.mixIn ?? [];
  for (const m of mixIn) {
    if (!(m.share > 0 && m.share < 1)) {
      errors.push(`a mixed-in dataset's share (${m.share}) must be between 0 and 1`);
    }
  }
  if (new Set(mixIn.map((m) => m.datasetId)).size < mixIn.length) {
    errors.push('a dataset is mixed in twice');
  }
  const mixed = 1 - ownShare(s);
  if (mixed > MAX_MIXED_SHARE + 1e-9) {
    errors.push(
      `the mixed-in datasets take ${Math.round(100 * mixed)}% of the rows: at most ${100 * MAX_MIXED_SHARE}%, so that the run’s own dataset keeps some`,
    );
  }
  return errors;
}

/** The most of a run's training rows that mixed-in datasets may take together. */
export const MAX_MIXED_SHARE = 0.9;

/** The share of a run's training rows its own dataset gives: what the datasets mixed in leave. */
export const ownShare = (s: Pick<TrainSettings, 'mixIn'>) =>
  1 - (s.mixIn ?? []).reduce((a, m) => a + m.share, 0);
