import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { EOS_ID, PAD_ID } from '../data/specialTokens';
import { CONFIG_KEYS, PRESETS, parameterCount } from '../model/config';
import { defaultSettings } from '../train/defaults';
import type { MetricsHistory } from '../train/metrics';
import {
  configJson,
  generationConfigJson,
  lossCurveSvg,
  metricsCsv,
  modelCardMarkdown,
  parseMetricsCsv,
  specialTokensMapJson,
  tokenizerConfigJson,
} from './hfFiles';

const history: MetricsHistory = {
  steps: Array.from({ length: 20 }, (_, i) => ({
    step: i,
    tokens: (i + 1) * 512,
    time: i * 0.5,
    loss: 4 - i * 0.1,
    perplexity: Math.exp(4 - i * 0.1),
    lr: 1e-3,
    gradNorm: 0.5,
    tokensPerSec: 1000,
    stepMs: 12.5,
    // Steps from before the studio counted epochs (or train_i3.py's) have none.
    ...(i >= 3 && { epochs: i / 40 }),
  })),
  evals: [
    { step: 9, tokens: 5120, time: 4.5, valLoss: 3.5, valPerplexity: Math.exp(3.5) },
    { step: 25, tokens: 13312, time: 12, valLoss: 2.25, valPerplexity: Math.exp(2.25) },
  ],
};

describe('Hugging Face files', () => {
  it('config.json carries the spec keys, ids and auto_map', () => {
    const c = { ...PRESETS['i3-tiny'], vocab_size: 4321 };
    const j = JSON.parse(configJson(c));
    for (const k of CONFIG_KEYS) expect(j[k]).toEqual(c[k]);
    expect(j.model_type).toBe('i3');
    expect(j.architectures).toEqual(['I3ForCausalLM']);
    expect(j.tokenizer_type).toBe('chunk');
    expect(j.tokenizer_strategy).toBe('variable_2_3');
    expect(j.torch_dtype).toBe('float32');
    expect(j.eos_token_id).toBe(EOS_ID);
    expect(j.pad_token_id).toBe(PAD_ID);
    expect(j.auto_map).toEqual({
      AutoConfig: 'configuration_i3.I3Config',
      AutoModelForCausalLM: 'modeling_i3.I3ForCausalLM',
    });
  });

  it('generation_config.json has the spec sampling defaults', () => {
    const g = JSON.parse(generationConfigJson());
    expect(g).toMatchObject({
      temperature: 0.8,
      top_k: 40,
      top_p: 0.95,
      repetition_penalty: 1,
      eos_token_id: EOS_ID,
    });
  });

  it('the chat template renders [INST] turns with <eos> after each answer', () => {
    const tc = JSON.parse(tokenizerConfigJson(PRESETS['i3-tiny']));
    expect(tc.model_max_length).toBe(128);
    const sm = JSON.parse(specialTokensMapJson());
    expect(sm.eos_token).toBe(tc.eos_token);
    const out = new Template(tc.chat_template).render({
      messages: [
        { role: 'user', content: 'hi there' },
        { role: 'assistant', content: 'hello!' },
        { role: 'user', content: 'how are you?' },
      ],
      eos_token: tc.eos_token,
      add_generation_prompt: true,
    });
    expect(out).toBe('[INST] hi there [/INST] hello!<eos>[INST] how are you? [/INST]');
  });

  it('metrics.csv round-trips the history', () => {
    const csv = metricsCsv(history);
    expect(csv.split('\n')[0]).toBe(
      'step,tokens,time,loss,perplexity,lr,grad_norm,tokens_per_sec,step_ms,val_loss,val_perplexity,epochs',
    );
    expect(csv.trim().split('\n').length).toBe(1 + 21);
    const back = parseMetricsCsv(csv);
    expect(back.steps).toStrictEqual(history.steps);
    expect(back.evals).toEqual(history.evals);
    expect(() => parseMetricsCsv('loss\n1')).toThrow(/no step column/);
    expect(() => parseMetricsCsv('step,loss\nx,1')).toThrow(/line 2/);
  });

  it('metrics.csv keeps the part norms of the steps that have them, a column per part', () => {
    const c = PRESETS['i3-test']; // 2 blocks: 6 parts
    const parts = (i: number) => [1, 2, 3, 4, 5, 6].map((g) => g / (i + 1));
    const withParts: MetricsHistory = {
      ...history,
      steps: history.steps.map((m, i) => (i % 5 === 0 ? { ...m, partGradNorms: parts(i) } : m)),
    };
    const csv = metricsCsv(withParts, c);
    expect(csv.split('\n')[0].split(',').slice(-6)).toEqual([
      'grad_norm.embedding',
      'grad_norm.block_0_ssm',
      'grad_norm.block_0_attention',
      'grad_norm.block_1_ssm',
      'grad_norm.block_1_attention',
      'grad_norm.final_norm',
    ]);
    expect(parseMetricsCsv(csv).steps).toStrictEqual(withParts.steps);
    // Without the config, the history's part norms stay out (as in files of older studios).
    expect(metricsCsv(withParts)).toBe(metricsCsv(history));
  });

  it('draws the loss curve as SVG with a train and a validation path', () => {
    const svg = lossCurveSvg(history);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(lossCurveSvg({ steps: [], evals: [] })).toContain('no metrics');
  });

  it('the model card states size, data, steps and final losses', () => {
    const c = PRESETS['i3-tiny'];
    const md = modelCardMarkdown({
      modelName: 'i3-tiny-demo',
      config: c,
      metrics: history,
      dataset: {
        name: 'TinyChat sample',
        documents: 1000,
        repeated: 12,
        repeats: 'first-copy',
        trainTokens: 90000,
        valTokens: 10000,
        mixedIn: [{ name: 'stories', share: 0.3, trainTokens: 50000 }],
      },
      training: { steps: 20, tokens: 10240, time: 3600 },
    });
    expect(md).toContain('# i3-tiny-demo');
    expect(md).toContain(
      '| mixed in | stories: 30% of the training rows (50,000 training tokens) |',
    );
    expect(md).toContain(parameterCount(c).toLocaleString('en-US'));
    // i3-tiny's embedding: 4,466 × 128 of its parameters.
    const share = ((100 * 4466 * 128) / parameterCount(c)).toFixed(1);
    expect(md).toContain(`| embedding (and the tied head) | 571,648 | ${share}% |`);
    expect(md).toContain('| dataset | TinyChat sample |');
    expect(md).toContain(
      '| repeated documents | 12, each in its first copy’s split (none in both splits) |',
    );
    // Every table has its header and delimiter rows, without which Markdown shows bare pipes.
    const tables = md.match(/(^\|.*\n)+/gm) ?? [];
    expect(tables.length).toBeGreaterThanOrEqual(4);
    for (const t of tables) expect(t.split('\n')[1]).toMatch(/^\|( --- \|)+$/);
    expect(md).toContain('| final training loss | 2.1000 |');
    expect(md).toContain('| final validation loss | 2.2500 |');
    expect(md).toContain(`| final validation perplexity | ${Math.exp(2.25).toFixed(2)} |`);
    expect(md).toContain('![Loss curve](loss_curve.svg)');
    expect(md).not.toContain('## Samples during training');
    expect(md).not.toContain('## Evaluation');
  });

  it('the model card tables the checkpoint’s evaluations on datasets', () => {
    const at = Date.UTC(2026, 10, 29);
    const md = modelCardMarkdown({
      modelName: 'm',
      config: PRESETS['i3-test'],
      metrics: history,
      evaluations: [
        { datasetId: 'a', datasetName: 'base.txt', loss: 4.5, tokens: 12345, at },
        { datasetId: 'b', datasetName: 'my | chats', loss: 3, tokens: 99, at },
      ],
    });
    expect(md).toContain('## Evaluation');
    expect(md).toContain(
      `| base.txt | 12,345 | 4.5000 | ${Math.exp(4.5).toFixed(2)} | 2026-11-29 |`,
    );
    // A pipe in a dataset's name does not split its row.
    expect(md).toContain(`| my \\| chats | 99 | 3.0000 | ${Math.exp(3).toFixed(2)} | 2026-11-29 |`);
  });

  it('the model card lists the first and latest samples written during training', () => {
    const c = PRESETS['i3-test'];
    const evals = Array.from({ length: 8 }, (_, i) => ({
      step: 100 * (i + 1),
      tokens: 0,
      time: 0,
      valLoss: 5 - i / 4,
      valPerplexity: Math.exp(5 - i / 4),
      sample: i === 7 ? ' a ```fenced``` end' : ` sample ${i}`,
    }));
    const settings = { ...defaultSettings('i3-test', c), samplePrompt: 'Once', seed: 7 };
    const md = modelCardMarkdown({
      modelName: 'm',
      config: c,
      metrics: { steps: [], evals },
      training: { steps: 800, tokens: 0, settings },
    });
    expect(md).toContain('## Samples during training');
    expect(md).toContain(
      'continued "Once" (seed 7; temperature 0.8, top-k 40, top-p 0.95); 8 samples',
    );
    const steps = [...md.matchAll(/\*\*Step ([\d,]+)\*\*/g)].map((m) => m[1]);
    expect(steps).toEqual(['100', '500', '600', '700', '800']);
    expect(md).toContain('**Step 800** (validation loss 3.2500):');
    expect(md).toContain('```text\nOnce sample 0\n```');
    // A sample with a fence of its own sits in a longer one.
    expect(md).toContain('````text\nOnce a ```fenced``` end\n````');
  });

  it('the model card says where a fine-tuned run’s schedule started', () => {
    const c = PRESETS['i3-test'];
    const base = defaultSettings('i3-test', c);
    const card = (startStep?: number) =>
      modelCardMarkdown({
        modelName: 'm',
        config: c,
        metrics: { steps: [], evals: [] },
        training: {
          steps: 1300,
          tokens: 0,
          settings: { ...base, schedule: { ...base.schedule, totalSteps: 1300, startStep } },
        },
      });
    expect(card(1200)).toContain(
      '| learning rate | 0.01, 5 warm-up steps from step 1,200, then cosine decay to 10% of the peak |',
    );
    expect(card()).toContain(
      '| learning rate | 0.01, 5 warm-up steps, then cosine decay to 10% of the peak |',
    );
  });

  it('the model card carries its run’s note and the sweep it was one run of', () => {
    const c = PRESETS['i3-test'];
    const card = (training: Parameters<typeof modelCardMarkdown>[0]['training']) =>
      modelCardMarkdown({ modelName: 'm', config: c, metrics: { steps: [], evals: [] }, training });
    const md = card({
      steps: 10,
      tokens: 0,
      note: 'wsd, cut short at step 10',
      sweep: { setting: 'peak learning rate', value: '0.003' },
    });
    expect(md).toContain('Note from training: wsd, cut short at step 10');
    expect(md).toContain(
      "| sweep | one run of a sweep of peak learning rate: this one's is 0.003 |",
    );
    const plain = card({ steps: 10, tokens: 0 });
    expect(plain).not.toContain('Note from training');
    expect(plain).not.toContain('| sweep |');
  });
});
