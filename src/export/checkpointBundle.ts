// Between the studio's checkpoints and the Hugging Face bundle, the same in the export worker and
// the Node CLI: a checkpoint becomes a BundleInput (its tokenizer as tokenizer.json, metrics,
// summaries, AdamW moments when it has them), and an imported bundle becomes a weights-only
// checkpoint that can be chatted with or trained further.

import { ChunkTokenizer } from '../data/chunkTokenizer';
import { chunkTokenizerFromHuggingFace } from '../data/huggingFace';
import type { DatasetManifest } from '../data/shardStore';
import { type I3Config, PRESETS, type PresetName } from '../model/config';
import { parameterLayout } from '../model/params';
import type { Checkpoint, CheckpointMeta, TrainSettings } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import type { CheckpointEvaluation } from '../train/evaluation';
import type { MetricsHistory } from '../train/metrics';
import type { CheckpointSummary, RunRecord } from '../train/runStore';
import { SWEEP_AXES } from '../train/sweep';
import { fileStem } from '../util/fileStem';
import {
  BundleImportError,
  type BundleInput,
  type ImportedBundle,
  importBundle,
  type PythonSources,
} from './bundle';
import type { DatasetSummary } from './hfFiles';
import type { WeightsDtype } from './tensorDtype';

/** Run ids of imported checkpoints start with this: they have no run or dataset. */
export const IMPORT_RUN_PREFIX = 'import-';

export const isImported = (meta: CheckpointMeta): boolean =>
  meta.runId.startsWith(IMPORT_RUN_PREFIX);

/** `i3-<run>-step<step>.zip`, the run's name in lowercase as a file stem (no second "i3-"). */
export function bundleFileName(runName: string, step: number): string {
  return `i3-${fileStem(runName.toLowerCase(), 'model').replace(/^i3-/, '')}-step${step}.zip`;
}

export function datasetSummary(m: DatasetManifest): DatasetSummary {
  return {
    name: m.name,
    documents: m.train.documents + m.validation.documents,
    repeated: m.repeated,
    repeats: m.repeats,
    trainTokens: m.train.tokens,
    valTokens: m.validation.tokens,
  };
}

export function bundleInputFromCheckpoint(
  ck: Checkpoint,
  pythonSources: PythonSources,
  dataset?: DatasetSummary,
  evaluations?: CheckpointEvaluation[],
  /** Its run as the studio stored it (the browser export): its name (renamed since), note, sweep. */
  run?: Pick<RunRecord, 'name' | 'note' | 'sweep'>,
): BundleInput {
  const { meta } = ck;
  return {
    modelName: run?.name ?? meta.name,
    config: meta.config,
    layout: parameterLayout(meta.config),
    params: ck.params,
    tokenizerJson: ChunkTokenizer.fromJSON(meta.tokenizer).toHuggingFaceJson(),
    metrics: meta.metrics,
    dataset,
    evaluations,
    training: {
      steps: meta.step,
      tokens: meta.tokens,
      time: meta.time,
      // Placeholders of an imported checkpoint are not how it was trained: leave them out.
      settings:
        isImported(meta) && isPlaceholder(meta.settings, meta.config) ? undefined : meta.settings,
      note: run?.note,
      sweep: run?.sweep && {
        setting: SWEEP_AXES[run.sweep.axis].label,
        value: String(run.sweep.value),
      },
    },
    optimizer: ck.adamM && ck.adamV ? { step: meta.step, m: ck.adamM, v: ck.adamV } : undefined,
    pythonSources,
  };
}

/**
 * The bundle as an export asks for it: with or without the optimizer state, the weights in
 * `weightsDtype`.
 */
export function asExported(
  input: BundleInput,
  { optimizer, weightsDtype }: { optimizer: boolean; weightsDtype?: WeightsDtype },
): BundleInput {
  return { ...input, optimizer: optimizer ? input.optimizer : undefined, weightsDtype };
}

/** Mean training loss of the last steps, as the train worker summarises its checkpoints. */
export function recentLoss(metrics: MetricsHistory, steps = 10): number {
  const last = metrics.steps.slice(-steps);
  return last.length ? last.reduce((a, m) => a + m.loss, 0) / last.length : Number.NaN;
}

/** The defaults of the preset of the same width and depth, for a bundle that has no settings. */
function placeholderSettings(config: I3Config): TrainSettings {
  const names = Object.keys(PRESETS) as PresetName[];
  const preset =
    names.find(
      (p) => PRESETS[p].d_model === config.d_model && PRESETS[p].n_layers === config.n_layers,
    ) ?? 'i3-tiny';
  return defaultSettings(preset, config);
}

const isPlaceholder = (settings: TrainSettings, config: I3Config) =>
  JSON.stringify(settings) === JSON.stringify(placeholderSettings(config));

/** The bundle's tokenizer.json as the studio's tokenizer, checked against its config. */
export function bundleTokenizer(bundle: ImportedBundle): ChunkTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(bundle.tokenizerJson);
  } catch (e) {
    throw new BundleImportError(`tokenizer.json is not valid JSON: ${(e as Error).message}`);
  }
  const tokenizer = chunkTokenizerFromHuggingFace(json);
  if (tokenizer.vocabSize !== bundle.config.vocab_size) {
    throw new BundleImportError(
      `tokenizer.json has ${tokenizer.vocabSize} tokens but config.json says vocab_size ` +
        `${bundle.config.vocab_size}`,
    );
  }
  return tokenizer;
}

/**
 * A bundle's bytes (its zip, or its files by name) as a checkpoint named `name`: what the export
 * worker stores and the command line loads.
 */
export function checkpointOfBundle(
  source: Uint8Array | Map<string, Uint8Array>,
  name: string,
): Checkpoint {
  const bundle = importBundle(source);
  return checkpointFromBundle(bundle, bundleTokenizer(bundle), name);
}

/**
 * A checkpoint of an imported bundle: its weights (and AdamW moments when the bundle has them),
 * its tokenizer, step, tokens, time and settings from training_state.json (else from its metrics,
 * and the defaults of a preset of its size). No dataset, so a resume starts a fresh pass over
 * whichever dataset has the same tokenizer.
 */
export function checkpointFromBundle(
  bundle: ImportedBundle,
  tokenizer: ChunkTokenizer,
  name: string,
  createdAt = Date.now(),
): Checkpoint {
  const metrics = bundle.metrics ?? { steps: [], evals: [] };
  const last = metrics.steps.at(-1);
  const { training } = bundle;
  const meta: CheckpointMeta = {
    runId: `${IMPORT_RUN_PREFIX}${crypto.randomUUID()}`,
    name,
    step: bundle.optimizer?.step ?? training?.steps ?? last?.step ?? 0,
    tokens: training?.tokens ?? last?.tokens ?? 0,
    time: training?.time ?? last?.time ?? 0,
    createdAt,
    config: bundle.config,
    settings: training?.settings ?? placeholderSettings(bundle.config),
    tokenizerId: tokenizer.identity(),
    tokenizer: tokenizer.toJSON(),
    datasetId: '',
    dataCursor: undefined,
    metrics,
  };
  return {
    meta,
    params: bundle.params,
    adamM: bundle.optimizer?.m,
    adamV: bundle.optimizer?.v,
  };
}

/** The list entry of an imported checkpoint of `bytes` encoded bytes. */
export function importedSummary(ck: Checkpoint, bytes: number, weights: string): CheckpointSummary {
  const { meta } = ck;
  return {
    id: `${meta.runId}@${meta.step}`,
    runId: meta.runId,
    runName: meta.name,
    step: meta.step,
    tokens: meta.tokens,
    loss: recentLoss(meta.metrics),
    valLoss: meta.metrics.evals.at(-1)?.valLoss,
    createdAt: meta.createdAt,
    bytes,
    source: 'import',
    weights,
  };
}

/**
 * What importing `summary` would repeat of the stored checkpoints: `again`, an import of the same
 * name, step and weights (the same bundle a second time: nothing to add), else `sameWeights`, an
 * import of the same weights under another name (a browser names a second download "x (1).zip").
 * Asked before the checkpoint is encoded, which a repeat spares.
 */
export function earlierImport(
  stored: CheckpointSummary[],
  summary: Pick<CheckpointSummary, 'runName' | 'step' | 'weights'>,
): { again?: CheckpointSummary; sameWeights?: CheckpointSummary } {
  const same = stored.filter((c) => c.source === 'import' && c.weights === summary.weights);
  return {
    again: same.find((c) => c.runName === summary.runName && c.step === summary.step),
    sameWeights: same[0],
  };
}
