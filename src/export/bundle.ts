// The Hugging Face bundle as one streamed .zip, and its import back into the studio.
//
// Files: config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json, model.safetensors (tied head stored once, as the embedding, the way
// transformers saves tied weights), pytorch_model.bin (both names, one storage), configuration_i3.py,
// modeling_i3.py, train_i3.py (continues training with PyTorch DDP), README.md, loss_curve.svg,
// metrics.csv and, when given, optimizer.safetensors (AdamW moments per parameter, step in its
// metadata) and training_state.json (steps, tokens, time, settings) so that training can resume.
//
// Weights are handed to the zip as views of `params`, so the caller must not change `params` until
// the stream has been read to its end.

import { unzipSync } from 'fflate';
import { lfsPointerProblem, lfsPointerSize } from '../data/lfsPointer';
import { CONFIG_KEYS, type I3Config, validateConfig } from '../model/config';
import { type ParameterLayout, parameterLayout } from '../model/params';
import type { CheckpointEvaluation } from '../train/evaluation';
import type { MetricsHistory } from '../train/metrics';
import {
  configJson,
  type DatasetSummary,
  generationConfigJson,
  LOSS_CURVE_FILE,
  lossCurveSvg,
  metricsCsv,
  modelCardMarkdown,
  parseMetricsCsv,
  parseTrainingState,
  specialTokensMapJson,
  type TrainingSummary,
  tokenizerConfigJson,
  trainingStateJson,
} from './hfFiles';
import { EMBED_NAME, pytorchBinChunks, readPytorchBin, TIED_HEAD_NAME } from './pytorchBin';
import { type NamedTensor, readSafetensors, safetensorsChunks } from './safetensors';
import { DTYPE_BYTES, type WeightsDtype } from './tensorDtype';
import { pullStream, type ZipEntry, zipStream } from './zipStream';

export interface OptimizerState {
  /** Optimizer steps taken (AdamW's bias correction needs it). */
  step: number;
  /** First and second moments, flat at the layout's offsets like the parameters. */
  m: Float32Array;
  v: Float32Array;
}

/** The PyTorch code shipped in the bundle (browserPythonSources, or nodePythonSources in Node). */
export interface PythonSources {
  'configuration_i3.py': string;
  'modeling_i3.py': string;
  'train_i3.py': string;
}

export interface BundleInput {
  modelName: string;
  config: I3Config;
  layout: ParameterLayout;
  params: Float32Array;
  /** The tokenizer's tokenizer.json text, written as is. */
  tokenizerJson: string;
  metrics: MetricsHistory;
  dataset?: DatasetSummary;
  training?: TrainingSummary;
  /** The checkpoint's evaluations in the studio, for the model card. */
  evaluations?: CheckpointEvaluation[];
  optimizer?: OptimizerState;
  pythonSources: PythonSources;
  /** The weight files' element type: float32 where not given (the optimizer's stays float32). */
  weightsDtype?: WeightsDtype;
}

export interface ImportedBundle {
  config: I3Config;
  layout: ParameterLayout;
  params: Float32Array;
  tokenizerJson: string;
  /** From metrics.csv when the bundle has one. */
  metrics?: MetricsHistory;
  optimizer?: OptimizerState;
  /** From training_state.json when the bundle has one. */
  training?: TrainingSummary;
  /** Which file the weights came from. */
  weightsFile: 'model.safetensors' | 'pytorch_model.bin';
}

export const WEIGHTS_FILE = 'model.safetensors';
export const TORCH_WEIGHTS_FILE = 'pytorch_model.bin';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINING_STATE_FILE = 'training_state.json';
export const METRICS_FILE = 'metrics.csv';
/** The files importBundle reads: of a folder dropped as a bundle, only these are loaded. */
export const IMPORTED_FILES: ReadonlySet<string> = new Set([
  'config.json',
  'tokenizer.json',
  WEIGHTS_FILE,
  TORCH_WEIGHTS_FILE,
  OPTIMIZER_FILE,
  TRAINING_STATE_FILE,
  METRICS_FILE,
]);
const encoder = new TextEncoder();

const text = (name: string, body: string): ZipEntry => ({ name, chunks: [encoder.encode(body)] });

/** Named views of one flat buffer, per layout tensor. */
function views(layout: ParameterLayout, flat: Float32Array, prefix = ''): NamedTensor[] {
  return layout.tensors.map((t) => ({
    name: prefix + t.name,
    shape: t.shape,
    data: flat.subarray(t.offset, t.offset + t.size),
  }));
}

function checkInput(input: BundleInput): void {
  const errors = validateConfig(input.config);
  if (errors.length) throw new Error(`cannot export an invalid config: ${errors.join('; ')}`);
  const expected = parameterLayout(input.config);
  if (input.layout.totalFloats !== expected.totalFloats) {
    throw new Error(
      `the layout holds ${input.layout.totalFloats} floats, the config implies ${expected.totalFloats}`,
    );
  }
  for (const [what, a] of [
    ['params', input.params],
    ['optimizer m', input.optimizer?.m],
    ['optimizer v', input.optimizer?.v],
  ] as const) {
    if (a && a.length !== expected.totalFloats) {
      throw new Error(`${what} has ${a.length} floats, the layout ${expected.totalFloats}`);
    }
  }
}

/** The bundle's files in archive order; weight chunks are produced only when pulled. */
export function bundleEntries(input: BundleInput): ZipEntry[] {
  checkInput(input);
  const { config, layout, params, optimizer } = input;
  const weightBytes = layout.totalFloats * DTYPE_BYTES[input.weightsDtype ?? 'F32'];
  const entries: ZipEntry[] = [
    text('config.json', configJson(config)),
    text('generation_config.json', generationConfigJson()),
    text('tokenizer.json', input.tokenizerJson),
    text('tokenizer_config.json', tokenizerConfigJson(config)),
    text('special_tokens_map.json', specialTokensMapJson()),
    ...Object.entries(input.pythonSources).map(([name, body]) => text(name, body)),
    text(
      'README.md',
      modelCardMarkdown({
        modelName: input.modelName,
        config,
        metrics: input.metrics,
        dataset: input.dataset,
        training: input.training,
        evaluations: input.evaluations,
        weightsDtype: input.weightsDtype,
      }),
    ),
    text(LOSS_CURVE_FILE, lossCurveSvg(input.metrics)),
    text(METRICS_FILE, metricsCsv(input.metrics, config)),
    // The weight files state their tensors' bytes: pulled, pytorch_model.bin's would compute
    // its inner archive's checksums and both their rounding to bfloat16.
    {
      name: WEIGHTS_FILE,
      chunks: safetensorsChunks(views(layout, params), undefined, input.weightsDtype),
      size: weightBytes,
    },
    {
      name: TORCH_WEIGHTS_FILE,
      chunks: pytorchBinChunks(layout, params, input.weightsDtype),
      size: weightBytes,
    },
  ];
  if (input.training) entries.push(text(TRAINING_STATE_FILE, trainingStateJson(input.training)));
  if (optimizer) {
    const tensors = [
      ...views(layout, optimizer.m, 'exp_avg.'),
      ...views(layout, optimizer.v, 'exp_avg_sq.'),
    ];
    entries.push({
      name: OPTIMIZER_FILE,
      chunks: safetensorsChunks(tensors, { format: 'pt', step: String(optimizer.step) }),
      size: 2 * layout.totalFloats * DTYPE_BYTES.F32,
    });
  }
  return entries;
}

/** The bundle as a stream of zip chunks, produced as the reader pulls them. */
export function exportBundle(input: BundleInput): ReadableStream<Uint8Array> {
  return pullStream(zipStream(bundleEntries(input)));
}

export class BundleImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleImportError';
  }
}

/** Whether `bytes` start as a zip archive does ("PK"). */
export const isZip = (bytes: Uint8Array): boolean => bytes[0] === 0x50 && bytes[1] === 0x4b;

/** Unzips, and drops one folder level that holds every file (a zipped folder). */
function filesOf(src: Map<string, Uint8Array> | Uint8Array): Map<string, Uint8Array> {
  let files: Map<string, Uint8Array>;
  if (src instanceof Uint8Array) {
    try {
      files = new Map(Object.entries(unzipSync(src)));
    } catch (e) {
      throw new BundleImportError(
        `the bundle is not a readable zip (truncated or corrupt): ${(e as Error).message}`,
      );
    }
  } else {
    files = src;
  }
  const names = [...files.keys()].filter((n) => !n.endsWith('/'));
  const top = names[0]?.split('/')[0];
  if (top && names.every((n) => n.startsWith(`${top}/`))) {
    files = new Map(names.map((n) => [n.slice(top.length + 1), files.get(n)!]));
  }
  return files;
}

/** config.json's bytes as an i3 config, or why they are not one. */
export function parseConfig(bytes: Uint8Array): I3Config {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BundleImportError(`config.json is not valid JSON: ${(e as Error).message}`);
  }
  if (raw.model_type !== 'i3') {
    throw new BundleImportError(
      `unknown model_type ${JSON.stringify(raw.model_type)} in config.json: only "i3" bundles can be imported`,
    );
  }
  const missing = CONFIG_KEYS.filter((k) => !(k in raw));
  if (missing.length) throw new BundleImportError(`config.json lacks ${missing.join(', ')}`);
  const config = Object.fromEntries(CONFIG_KEYS.map((k) => [k, raw[k]])) as unknown as I3Config;
  const errors = validateConfig(config);
  if (errors.length) throw new BundleImportError(`invalid config.json: ${errors.join('; ')}`);
  return config;
}

/** Copies named tensors into a flat buffer at the layout's offsets, checking names and shapes. */
function assemble(
  layout: ParameterLayout,
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  file: string,
  prefix = '',
): Float32Array {
  const flat = new Float32Array(layout.totalFloats);
  for (const t of layout.tensors) {
    const got = tensors.get(prefix + t.name);
    if (!got) throw new BundleImportError(`${file} lacks tensor ${prefix + t.name}`);
    if (got.shape.join() !== t.shape.join()) {
      throw new BundleImportError(
        `${file}: ${prefix + t.name} has shape [${got.shape}] but config.json implies [${t.shape}]`,
      );
    }
    if (!got.data.every(Number.isFinite))
      throw new BundleImportError(`${file}: ${prefix + t.name} holds NaN or infinite values`);
    flat.set(got.data, t.offset);
  }
  const known = new Set(layout.tensors.map((t) => prefix + t.name));
  const head = tensors.get(prefix + TIED_HEAD_NAME);
  if (head) {
    // The head is tied: a stored copy must equal the embedding.
    const embed = layout.byName[EMBED_NAME];
    const same =
      head.data.length === embed.size && head.data.every((v, i) => v === flat[embed.offset + i]);
    if (!same)
      throw new BundleImportError(
        `${file}: ${TIED_HEAD_NAME} differs from ${EMBED_NAME}, but i3 ties them`,
      );
    known.add(prefix + TIED_HEAD_NAME);
  }
  const extra = [...tensors.keys()].filter((n) => !known.has(n));
  if (extra.length) {
    throw new BundleImportError(
      `${file} has tensors the i3 config does not define: ${extra.slice(0, 5).join(', ')}`,
    );
  }
  return flat;
}

/** Reads a bundle (zip bytes, or its files by name) back into a config, weights and tokenizer. */
export function importBundle(src: Map<string, Uint8Array> | Uint8Array): ImportedBundle {
  const files = filesOf(src);
  // A file the import reads, refused where a clone without its LFS objects left a pointer.
  const fileOf = (name: string): Uint8Array | undefined => {
    const f = files.get(name);
    const pointsTo = f && lfsPointerSize(f);
    if (pointsTo !== undefined)
      throw new BundleImportError(`${name} ${lfsPointerProblem(pointsTo)}`);
    return f;
  };
  const need = (name: string): Uint8Array => {
    const f = fileOf(name);
    if (!f) throw new BundleImportError(`the bundle has no ${name}`);
    return f;
  };
  const config = parseConfig(need('config.json'));
  const layout = parameterLayout(config);
  const tokenizerJson = new TextDecoder().decode(need('tokenizer.json'));
  const guard = <T>(file: string, read: () => T): T => {
    try {
      return read();
    } catch (e) {
      if (e instanceof BundleImportError) throw e;
      throw new BundleImportError(`${file} is corrupt: ${(e as Error).message}`);
    }
  };
  let params: Float32Array;
  let weightsFile: ImportedBundle['weightsFile'];
  if (files.has(WEIGHTS_FILE)) {
    weightsFile = WEIGHTS_FILE;
    params = assemble(
      layout,
      guard(WEIGHTS_FILE, () => readSafetensors(need(WEIGHTS_FILE))).tensors,
      WEIGHTS_FILE,
    );
  } else if (files.has(TORCH_WEIGHTS_FILE)) {
    weightsFile = TORCH_WEIGHTS_FILE;
    params = assemble(
      layout,
      guard(TORCH_WEIGHTS_FILE, () => readPytorchBin(need(TORCH_WEIGHTS_FILE))),
      TORCH_WEIGHTS_FILE,
    );
  } else {
    throw new BundleImportError(
      `the bundle has no weights: neither ${WEIGHTS_FILE} nor ${TORCH_WEIGHTS_FILE}`,
    );
  }
  const result: ImportedBundle = { config, layout, params, tokenizerJson, weightsFile };
  const metrics = fileOf(METRICS_FILE);
  if (metrics)
    result.metrics = guard(METRICS_FILE, () => parseMetricsCsv(new TextDecoder().decode(metrics)));
  const training = fileOf(TRAINING_STATE_FILE);
  if (training)
    result.training = guard(TRAINING_STATE_FILE, () =>
      parseTrainingState(new TextDecoder().decode(training)),
    );
  const opt = fileOf(OPTIMIZER_FILE);
  if (opt) {
    const st = guard(OPTIMIZER_FILE, () => readSafetensors(opt, OPTIMIZER_FILE));
    const step = Number(st.metadata.step);
    if (!Number.isInteger(step) || step < 0)
      throw new BundleImportError(`${OPTIMIZER_FILE} has no valid step in its metadata`);
    const moments = (prefix: string) =>
      assemble(
        layout,
        new Map([...st.tensors].filter(([n]) => n.startsWith(prefix))),
        OPTIMIZER_FILE,
        prefix,
      );
    result.optimizer = { step, m: moments('exp_avg.'), v: moments('exp_avg_sq.') };
  }
  return result;
}
