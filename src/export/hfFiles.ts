// The text files of the Hugging Face bundle: config.json, generation_config.json,
// tokenizer_config.json, special_tokens_map.json, metrics.csv, training_state.json, the loss curve
// (SVG) and README.md.

import { huggingFaceSpecialTokensMap, huggingFaceTokenizerConfig } from '../data/huggingFace';
import type { RepeatPlacement } from '../data/shardStore';
import { BOS_ID, EOS_ID, PAD_ID, UNK_ID } from '../data/specialTokens';
import { CONFIG_KEYS, type I3Config, parameterCount } from '../model/config';
import { gradientParts, parameterGroups } from '../model/params';
import { DEFAULT_SAMPLING } from '../model/sampling';
import type { TrainSettings } from '../train/checkpoint';
import type { CheckpointEvaluation } from '../train/evaluation';
import {
  type EvalMetrics,
  type MetricsHistory,
  perplexity,
  type StepMetrics,
} from '../train/metrics';
import { decayInWords } from '../train/schedule';
import type { WeightsDtype } from './tensorDtype';

export interface DatasetSummary {
  name: string;
  description?: string;
  documents?: number;
  /** Documents that repeat an earlier one, and what the import did with them. */
  repeated?: number;
  repeats?: RepeatPlacement;
  /** Tokens in the training split and in the held-out validation split. */
  trainTokens?: number;
  valTokens?: number;
  /** Datasets mixed into the training rows (TrainSettings.mixIn), each with its share. */
  mixedIn?: { name: string; share: number; trainTokens?: number }[];
}

export interface TrainingSummary {
  steps: number;
  /** Training tokens seen. */
  tokens: number;
  /** Seconds of training. */
  time?: number;
  settings?: TrainSettings;
  /** Where it ran, e.g. the GPU adapter's description. */
  device?: string;
  /** The user's note on its run in the studio. */
  note?: string;
  /** The setting its run's sweep varied, and its value in this run. */
  sweep?: { setting: string; value: string };
}

/** Sampling defaults of the spec; max_new_tokens is ours (a few chat turns at i3's context). */
export const GENERATION_DEFAULTS = {
  do_sample: true,
  temperature: 0.8,
  top_k: 40,
  top_p: 0.95,
  repetition_penalty: 1.0,
  max_new_tokens: 128,
} as const;

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

const specialIds = {
  pad_token_id: PAD_ID,
  bos_token_id: BOS_ID,
  eos_token_id: EOS_ID,
  unk_token_id: UNK_ID,
};

export function configJson(c: I3Config): string {
  return json({
    model_type: 'i3',
    architectures: ['I3ForCausalLM'],
    auto_map: {
      AutoConfig: 'configuration_i3.I3Config',
      AutoModelForCausalLM: 'modeling_i3.I3ForCausalLM',
    },
    ...Object.fromEntries(CONFIG_KEYS.map((k) => [k, c[k]])),
    tokenizer_type: 'chunk',
    tokenizer_strategy: 'variable_2_3',
    ...specialIds,
    torch_dtype: 'float32',
    // modeling_i3.py recomputes the whole prefix per generated token: there is no cache to use.
    use_cache: false,
  });
}

export function generationConfigJson(): string {
  return json({ ...GENERATION_DEFAULTS, ...specialIds, use_cache: false });
}

export function tokenizerConfigJson(c: I3Config): string {
  return json(huggingFaceTokenizerConfig(c.max_seq_len));
}

export function specialTokensMapJson(): string {
  return json(huggingFaceSpecialTokensMap());
}

const CSV_COLUMNS = [
  'step',
  'tokens',
  'time',
  'loss',
  'perplexity',
  'lr',
  'grad_norm',
  'tokens_per_sec',
  'step_ms',
  'val_loss',
  'val_perplexity',
  'epochs',
] as const;

/** The column of a part's gradient norm: `grad_norm.block_0_ssm` for part "block 0 SSM". */
const partColumn = (part: string) => `grad_norm.${part.toLowerCase().replaceAll(' ', '_')}`;

/**
 * One row per step, sorted; an evaluation fills the val columns of its step's row. With the run's
 * config, a column per part of the gradient norm (gradientParts) follows, filled on the steps that
 * kept them.
 */
export function metricsCsv(h: MetricsHistory, config?: I3Config): string {
  const parts = config ? gradientParts(config).map((p) => partColumn(p.name)) : [];
  const rows = new Map<number, Partial<Record<string, number>>>();
  const row = (step: number) => rows.get(step) ?? rows.set(step, { step }).get(step)!;
  for (const s of h.steps) {
    Object.assign(row(s.step), {
      tokens: s.tokens,
      time: s.time,
      loss: s.loss,
      perplexity: s.perplexity,
      lr: s.lr,
      grad_norm: s.gradNorm,
      tokens_per_sec: s.tokensPerSec,
      step_ms: s.stepMs,
      epochs: s.epochs,
    });
    const norms = s.partGradNorms;
    if (norms?.length === parts.length) {
      for (const [g, column] of parts.entries()) row(s.step)[column] = norms[g];
    }
  }
  for (const e of h.evals) {
    const r = row(e.step);
    Object.assign(r, { tokens: r.tokens ?? e.tokens, time: r.time ?? e.time });
    Object.assign(r, { val_loss: e.valLoss, val_perplexity: e.valPerplexity });
  }
  const columns = [...CSV_COLUMNS, ...parts];
  const lines = [columns.join(',')];
  for (const step of [...rows.keys()].sort((a, b) => a - b)) {
    const r = rows.get(step)!;
    lines.push(columns.map((k) => (r[k] === undefined ? '' : String(r[k]))).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The inverse of metricsCsv; a malformed file throws with the line that is wrong. */
export function parseMetricsCsv(text: string): MetricsHistory {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  if (col('step') < 0) throw new Error('metrics.csv: the header has no step column');
  const parts = header.filter((name) => name.startsWith('grad_norm.'));
  const history: MetricsHistory = { steps: [], evals: [] };
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',');
    const get = (name: string) => {
      const c = col(name);
      return c < 0 || cells[c] === undefined || cells[c] === '' ? undefined : Number(cells[c]);
    };
    const step = get('step');
    if (step === undefined || !Number.isInteger(step)) {
      throw new Error(`metrics.csv line ${i + 2}: no integer step`);
    }
    const tokens = get('tokens') ?? 0;
    const time = get('time') ?? 0;
    const loss = get('loss');
    if (loss !== undefined) {
      const partGradNorms = parts.map(get);
      history.steps.push({
        step,
        tokens,
        time,
        loss,
        perplexity: get('perplexity') ?? perplexity(loss),
        lr: get('lr') ?? 0,
        gradNorm: get('grad_norm') ?? 0,
        tokensPerSec: get('tokens_per_sec') ?? 0,
        stepMs: get('step_ms') ?? 0,
        ...(get('epochs') !== undefined && { epochs: get('epochs') }),
        ...(parts.length > 0 && partGradNorms.every((x) => x !== undefined) && { partGradNorms }),
      });
    }
    const valLoss = get('val_loss');
    if (valLoss !== undefined) {
      history.evals.push({
        step,
        tokens,
        time,
        valLoss,
        valPerplexity: get('val_perplexity') ?? perplexity(valLoss),
      });
    }
  });
  return history;
}

/** A self-contained SVG of training loss per step and validation loss per evaluation. */
export function lossCurveSvg(h: MetricsHistory): string {
  const W = 720;
  const H = 360;
  const pad = { l: 56, r: 16, t: 28, b: 40 };
  const train = h.steps.filter((s) => Number.isFinite(s.loss)).map((s) => [s.step, s.loss]);
  const val = h.evals.filter((e) => Number.isFinite(e.valLoss)).map((e) => [e.step, e.valLoss]);
  const all = [...train, ...val];
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><title>Training and validation loss by step</title>`;
  if (all.length === 0) {
    return `${head}<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no metrics recorded</text></svg>\n`;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(Math.max(...xs), Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(Math.max(...ys), Math.min(...ys) + 1e-3)];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (y: number) => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const path = (pts: number[][]) =>
    pts.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
  const parts = [head, `<rect width="${W}" height="${H}" fill="white"/>`];
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    const x = x0 + ((x1 - x0) * i) / 4;
    parts.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${pad.l - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${y.toFixed(2)}</text>`,
      `<text x="${sx(x).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${Math.round(x)}</text>`,
    );
  }
  parts.push(
    `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 6}" text-anchor="middle">step</text>`,
    `<text x="${pad.l}" y="${pad.t - 10}">loss</text>`,
  );
  if (train.length)
    parts.push(`<path d="${path(train)}" fill="none" stroke="#2563eb" stroke-width="1.5"/>`);
  if (val.length) {
    parts.push(`<path d="${path(val)}" fill="none" stroke="#dc2626" stroke-width="2"/>`);
    for (const [x, y] of val)
      parts.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="#dc2626"/>`,
      );
  }
  parts.push(
    `<text x="${W - pad.r - 150}" y="${pad.t - 10}" fill="#2563eb">— train</text>`,
    `<text x="${W - pad.r - 80}" y="${pad.t - 10}" fill="#dc2626">— validation</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** training_state.json: where training stands (train_i3.py continues from it and rewrites it). */
export function trainingStateJson(t: TrainingSummary): string {
  return json(t);
}

/** The inverse of trainingStateJson; other keys (train_i3.py's `continued` log) are left out. */
export function parseTrainingState(text: string): TrainingSummary {
  const raw = JSON.parse(text) as Partial<TrainingSummary>;
  const { steps, tokens, time, settings, device } = raw;
  if (!Number.isInteger(steps) || steps! < 0 || typeof tokens !== 'number') {
    throw new Error('training_state.json needs an integer steps and a number tokens');
  }
  return { steps: steps!, tokens, time, settings, device };
}

export const LOSS_CURVE_FILE = 'loss_curve.svg';

const fmt = (n: number | undefined, digits = 4) => (n === undefined ? 'n/a' : n.toFixed(digits));
const int = (n: number | undefined) =>
  n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US');

export interface ModelCardInput {
  modelName: string;
  config: I3Config;
  /** What the weight files hold (float32 where not given). */
  weightsDtype?: WeightsDtype;
  metrics: MetricsHistory;
  dataset?: DatasetSummary;
  training?: TrainingSummary;
  evaluations?: CheckpointEvaluation[];
}

/** The checkpoint's evaluations in the studio (evaluation.ts) as a table; '' without any. */
function evaluationSection(evaluations: CheckpointEvaluation[] | undefined): string {
  if (!evaluations?.length) return '';
  const rows = evaluations.map(
    (e) =>
      `| ${e.datasetName.replace(/\|/g, '\\|')} | ${int(e.tokens)} | ${fmt(e.loss)} | ${fmt(perplexity(e.loss), 2)} | ${new Date(e.at).toISOString().slice(0, 10)} |`,
  );
  return `
## Evaluation

Mean loss on datasets' validation splits in i3 Studio (nats a token, pad targets aside; at most
2^20 tokens each).

| dataset | validation tokens | loss | perplexity | date |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

/** Samples the card lists: the first and the latest of the run's. */
const CARD_SAMPLES = 5;

/**
 * The text the weights wrote at evaluations during training (TrainSettings.sampleTokens), the
 * first and the latest, each in a fence longer than any run of backticks in it; '' without any.
 */
function samplesSection(h: MetricsHistory, s: TrainSettings | undefined): string {
  const all = h.evals.filter((e) => e.sample !== undefined);
  if (all.length === 0) return '';
  const shown = all.length > CARD_SAMPLES ? [all[0], ...all.slice(1 - CARD_SAMPLES)] : all;
  const prompt = s?.samplePrompt ?? '';
  const blocks = shown.map((e) => {
    const text = prompt + e.sample;
    const fence = '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((r) => r.length + 1)));
    return `**Step ${int(e.step)}** (validation loss ${fmt(e.valLoss)}):\n\n${fence}text\n${text}\n${fence}`;
  });
  const from = prompt
    ? `continued ${JSON.stringify(prompt)}`
    : 'wrote from the start of a document';
  const { temperature, topK, topP } = DEFAULT_SAMPLING;
  const how = `temperature ${temperature}, top-k ${topK}, top-p ${topP}`;
  const seed = s ? ` (seed ${s.seed}; ${how})` : ` (${how})`;
  return `
## Samples during training

At each evaluation the weights of that step ${from}${seed}; ${int(all.length)} samples in all, ${
    shown.length < all.length ? 'the first and the latest here' : 'all of them here'
  }.

${blocks.join('\n\n')}
`;
}

/** What the import did with repeated documents, as the model card says it. */
const REPEATS_CARD: Record<RepeatPlacement, string> = {
  'first-copy': 'each in its first copy’s split (none in both splits)',
  drop: 'dropped (each document stored once)',
  'by-place': 'held out by position like the rest (validation may share text with training)',
};

export function modelCardMarkdown(m: ModelCardInput): string {
  const c = m.config;
  const lastStep: StepMetrics | undefined = m.metrics.steps.at(-1);
  const lastEval: EvalMetrics | undefined = m.metrics.evals.at(-1);
  const t = m.training;
  const s = t?.settings;
  const d = m.dataset;
  // A table of two columns, its header row empty (a Markdown table needs one to render as one).
  const table = (pairs: [string, string][]) =>
    ['| | |', '| --- | --- |', ...pairs.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  return `---
library_name: transformers
pipeline_tag: text-generation
tags:
  - i3
  - ssm
  - hybrid
  - custom_code
---

# ${m.modelName}

An i3 language model trained in the browser with i3 Studio (WebGPU). i3 is a hybrid of a
Mamba-style selective-scan SSM and causal attention on a shared low-rank latent: each of the
${c.n_layers} blocks runs \`x + SSM(RMSNorm(x))\`, then \`x + Attn(RMSNorm(x))\`; the head is tied to the
embedding and there is no positional embedding (the SSM gives the order).

## Architecture

${table([
  ['parameters', int(parameterCount(c))],
  ['vocab_size', String(c.vocab_size)],
  ['d_model', String(c.d_model)],
  ['n_layers', String(c.n_layers)],
  ['n_heads', String(c.n_heads)],
  ['d_state', String(c.d_state)],
  ['rank', String(c.rank)],
  ['dt_rank', String(c.dt_rank)],
  ['d_conv', String(c.d_conv)],
  ['max_seq_len', String(c.max_seq_len)],
  ['tokenizer', 'chunk, variable_2_3 (2-3 character chunks)'],
])}

Parameters by part:

| part | parameters | share |
| --- | --- | --- |
${parameterGroups(c)
  .map(
    (g) =>
      `| ${g.group} | ${int(g.count)} | ${((100 * g.count) / parameterCount(c)).toFixed(1)}% |`,
  )
  .join('\n')}

## Training data

${
  d
    ? table([
        ['dataset', d.name],
        ['documents', int(d.documents)],
        ...(d.repeated
          ? [
              [
                'repeated documents',
                `${int(d.repeated)}, ${REPEATS_CARD[d.repeats ?? 'by-place']}`,
              ] as [string, string],
            ]
          : []),
        ['training tokens', int(d.trainTokens)],
        ['validation tokens', int(d.valTokens)],
        ...(d.mixedIn ?? []).map((m): [string, string] => [
          'mixed in',
          `${m.name}: ${Math.round(100 * m.share)}% of the training rows (${int(m.trainTokens)} training tokens)`,
        ]),
      ]) + (d.description ? `\n\n${d.description}` : '')
    : 'Not recorded.'
}

## Training

${table([
  ['steps', int(t?.steps ?? lastStep?.step)],
  ['tokens seen', int(t?.tokens ?? lastStep?.tokens)],
  ['training time', t?.time === undefined ? 'n/a' : `${(t.time / 3600).toFixed(2)} h`],
  ['device', t?.device ?? 'n/a'],
  [
    'batch',
    s ? `${s.batchSize} × ${s.seqLen} tokens, ${s.accumSteps} accumulation step(s)` : 'n/a',
  ],
  [
    'optimizer',
    s
      ? `AdamW (β1 ${s.beta1}, β2 ${s.beta2}, eps ${s.eps}, weight decay ${s.weightDecay}), clip ${s.clipNorm}`
      : 'n/a',
  ],
  [
    'learning rate',
    s
      ? `${s.schedule.peakLr}, ${s.schedule.warmupSteps} warm-up steps${
          s.schedule.startStep ? ` from step ${int(s.schedule.startStep)}` : ''
        }, then ${decayInWords(s.schedule)}`
      : 'n/a',
  ],
  ...(t?.sweep
    ? [
        ['sweep', `one run of a sweep of ${t.sweep.setting}: this one's is ${t.sweep.value}`] as [
          string,
          string,
        ],
      ]
    : []),
  ['final training loss', fmt(lastStep?.loss)],
  ['final training perplexity', fmt(lastStep?.perplexity, 2)],
  ['final validation loss', fmt(lastEval?.valLoss)],
  ['final validation perplexity', fmt(lastEval?.valPerplexity, 2)],
])}

![Loss curve](${LOSS_CURVE_FILE})

The full history is in \`metrics.csv\`.
${t?.note ? `\nNote from training: ${t.note}\n` : ''}${evaluationSection(m.evaluations)}${samplesSection(m.metrics, s)}

## Usage

\`\`\`python
from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("path/to/this/folder", trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained("path/to/this/folder", trust_remote_code=True)
prompt = tok.apply_chat_template([{"role": "user", "content": "hello!"}], tokenize=False)
ids = tok(prompt, return_tensors="pt").input_ids
out = model.generate(ids, max_new_tokens=64)
print(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True))
\`\`\`

For plain text, let \`generate()\` draw the prompt's last token again (token healing), as i3
Studio's chat does:

\`\`\`python
ids = tok("this movie was", return_tensors="pt", add_special_tokens=False).input_ids
out = model.generate(ids, max_new_tokens=64, token_healing=True, tokenizer=tok)
\`\`\`

The tokenizer matches 2- and 3-character chunks greedily, so a prompt that stops inside a chunk
("this movie was" ends in "as", where running text has "as ") ends the way documents mostly end
in training, and without token healing the model may answer \`<eos>\` at once.

\`modeling_i3.py\` is a plain PyTorch implementation (a sequential selective scan, no cache: each
generated token recomputes the prefix), written for clarity rather than speed. The weights are in
\`model.safetensors\` (the tied head is stored once, as the embedding) and in \`pytorch_model.bin\`${
    m.weightsDtype === 'BF16'
      ? ', in bfloat16 (rounded from the float32 the model trained in, to halve the files; `from_pretrained` widens them to float32, as `config.json` asks)'
      : ''
  }.

## Continue training on GPUs

\`train_i3.py\` continues this model with PyTorch DistributedDataParallel on any number of GPUs
(or CPU processes), from the step, schedule and AdamW state in \`training_state.json\` and
\`optimizer.safetensors\`, on token shards exported by i3 Studio, and writes a new bundle of this
form that the studio imports back:

\`\`\`
torchrun --nproc_per_node 2 train_i3.py --bundle . --data shards.zip --steps 1000 --out ../continued
\`\`\`
`;
}
