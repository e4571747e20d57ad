// The zustand stores as the UI uses them: worker events in, state out.
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatasetManifest } from '../data/shardStore';
import { PRESETS } from '../model/config';
import type { RunSpec } from '../protocol';
import { defaultSettings } from '../train/defaults';
import type { StepMetrics } from '../train/metrics';
import type { CheckpointSummary, RunRecord } from '../train/runStore';
import {
  type ChatTurn,
  chatPrompt,
  DEFAULT_GENERATION,
  regenerable,
  SAVED_PIECES,
  savedTurns,
  sendBlocker,
  trainingData,
  useChat,
} from './chat';
import {
  checkpointTokenizerId,
  freshSchedule,
  furtherDataset,
  furtherRun,
  runOnItsData,
  trainsFurther,
  useCheckpoints,
} from './checkpoints';
import { type CompareResult, compareBlocker, comparing, MAX_COMPARED, useCompare } from './compare';
import { selectedDataset, useDatasets } from './datasets';
import { useEvaluation } from './evaluation';
import { useGpu } from './gpu';
import { sweepKey, useLrFinder } from './lrFinder';
import { useNav } from './nav';
import { afterRunEnds, followRuns, useQueue } from './queue';
import { continuationSpec, resumeSpec, useRuns } from './runs';
import { presetOf, restoreSetup, setupLike, useSetup } from './setup';

const step = (n: number): StepMetrics => ({
  step: n,
  tokens: n * 128,
  time: n / 10,
  loss: 5 - n / 100,
  perplexity: Math.exp(5 - n / 100),
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSec: 1280,
  stepMs: 100,
});

/** A checkpoint of run 'a' at `step`, as the runs store lists it. */
const summary = (id: string, step: number): CheckpointSummary => ({
  id,
  runId: 'a',
  runName: 'a',
  step,
  tokens: step * 128,
  loss: 4.97,
  createdAt: step,
  bytes: 10,
  source: 'training',
});

const run = (id: string, steps: number): RunRecord => ({
  id,
  name: id,
  config: PRESETS['i3-test'],
  settings: defaultSettings('i3-test', PRESETS['i3-test']),
  datasetId: 'd',
  createdAt: 1,
  state: 'running',
  metrics: { steps: Array.from({ length: steps }, (_, i) => step(i + 1)), evals: [] },
});

describe('datasets store', () => {
  it('selects the chosen dataset only once it is stored complete', () => {
    const d = (id: string, status: 'importing' | 'complete') => ({ id, status }) as DatasetManifest;
    const datasets = [d('a', 'complete'), d('b', 'importing')];
    expect(selectedDataset({ datasets, selectedId: 'a' })?.id).toBe('a');
    expect(selectedDataset({ datasets, selectedId: 'b' })).toBeUndefined();
    expect(selectedDataset({ datasets, selectedId: undefined })).toBeUndefined();
  });
});

describe('GPU store', () => {
  beforeEach(() => useGpu.setState({ status: 'starting', message: undefined }));

  it('is ready when the self-test passed, failed with advice when it did not', () => {
    const adapter = { description: 'x', software: false };
    useGpu.getState().apply({
      type: 'ready',
      adapter,
      selfTest: { ok: true, maxError: 1e-7, shape: [1, 2, 3], ms: 1 },
    });
    expect(useGpu.getState().status).toBe('ready');
    useGpu.getState().apply({
      type: 'ready',
      adapter,
      selfTest: { ok: false, maxError: 3, shape: [1, 2, 3], ms: 1 },
    });
    expect(useGpu.getState().status).toBe('failed');
    expect(useGpu.getState().message).toMatch(/wrong results.*driver/);
  });

  it('reports a lost device with what to do, and leaves run errors to the runs store', () => {
    useGpu.setState({ status: 'ready' });
    useGpu.getState().apply({ type: 'error', message: 'storage full' });
    expect(useGpu.getState().status).toBe('ready');
    useGpu.getState().apply({ type: 'device-lost', message: 'The GPU device was lost.' });
    expect(useGpu.getState().status).toBe('lost');
    expect(useGpu.getState().message).toMatch(/Reload the page.*checkpoints are kept/);
  });
});

describe('runs store', () => {
  beforeEach(() =>
    useRuns.setState({ runs: [run('a', 3)], checkpoints: [], liveRunId: 'a', notice: undefined }),
  );

  it('appends streamed steps and evaluations to the right run', () => {
    const { apply } = useRuns.getState();
    apply({ type: 'steps', runId: 'a', steps: [step(4), step(5)] });
    apply({
      type: 'eval',
      runId: 'a',
      eval: { step: 5, tokens: 640, time: 0.5, valLoss: 4.9, valPerplexity: 134 },
    });
    const r = useRuns.getState().runs[0];
    expect(r.metrics.steps.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    expect(r.metrics.evals).toHaveLength(1);
  });

  it("holds the live run's activity between steps, and drops it when the run ends", () => {
    const { apply } = useRuns.getState();
    apply({ type: 'activity', runId: 'a', activity: 'checkpointing' });
    expect(useRuns.getState().liveActivity).toBe('checkpointing');
    apply({ type: 'activity', runId: 'a' });
    expect(useRuns.getState().liveActivity).toBeUndefined();
    apply({ type: 'activity', runId: 'a', activity: 'evaluating' });
    apply({ type: 'run-state', runId: 'a', state: 'failed', message: 'lost' });
    expect(useRuns.getState().liveActivity).toBeUndefined();
    expect(useRuns.getState().endedRunId).toBe('a');
  });

  it("takes the live run's new schedule (a cool-down asked for)", () => {
    const schedule = { ...run('a', 0).settings.schedule, decay: 'wsd' as const, totalSteps: 9 };
    useRuns.getState().apply({ type: 'run-schedule', runId: 'a', schedule });
    expect(useRuns.getState().runs[0].settings.schedule).toEqual(schedule);
  });

  it('ends the live run on a final state and keeps its message', () => {
    useRuns.getState().apply({ type: 'run-state', runId: 'a', state: 'paused' });
    expect(useRuns.getState().liveRunId).toBe('a');
    useRuns.getState().apply({ type: 'run-state', runId: 'a', state: 'failed', message: 'NaN' });
    expect(useRuns.getState().liveRunId).toBeUndefined();
    expect(useRuns.getState().runs[0]).toMatchObject({ state: 'failed', message: 'NaN' });
  });

  it('keeps a pause or stop pending until the run reaches it', () => {
    const { apply } = useRuns.getState();
    useRuns.setState({ requested: 'pause' });
    apply({ type: 'steps', runId: 'a', steps: [step(4)] });
    expect(useRuns.getState().requested).toBe('pause');
    apply({ type: 'run-state', runId: 'a', state: 'paused' });
    expect(useRuns.getState().requested).toBeUndefined();
    // A stop asked while the pause was pending outlives the pause.
    useRuns.setState({ requested: 'stop' });
    apply({ type: 'run-state', runId: 'a', state: 'paused' });
    expect(useRuns.getState().requested).toBe('stop');
    apply({ type: 'run-state', runId: 'a', state: 'stopped' });
    expect(useRuns.getState().requested).toBeUndefined();
  });

  it('lists saved checkpoints and shows worker errors as a notice', () => {
    const ck = summary('c', 3);
    useRuns.getState().apply({ type: 'checkpoint', runId: 'a', checkpoint: ck });
    expect(useRuns.getState().checkpoints).toEqual([ck]);
    expect(useRuns.getState().runs[0].lastCheckpointId).toBe('c');
    useRuns.getState().apply({ type: 'error', message: 'The browser storage is full.' });
    expect(useRuns.getState().notice).toBe('The browser storage is full.');
  });

  it('toggles runs on the comparison charts', () => {
    useRuns.setState({ compare: [] });
    useRuns.getState().toggleCompare('a');
    expect(useRuns.getState().compare).toEqual(['a']);
    useRuns.getState().toggleCompare('a');
    expect(useRuns.getState().compare).toEqual([]);
  });
});

describe('checkpoints store', () => {
  it('resumes a checkpoint inside its run’s schedule; past it, or without a run, trains further', () => {
    const finished = run('a', 30);
    const at = (step: number) => ({ ...summary(`c${step}`, step), runName: 'i3-test #1' });
    const total = finished.settings.schedule.totalSteps;
    expect(trainsFurther(at(total - 1), finished)).toBe(false);
    expect(trainsFurther(at(total), finished)).toBe(true);
    expect(trainsFurther(at(10), undefined)).toBe(true);
    // Its run continues only on the run's own dataset, once imported completely (and, before the
    // datasets are listed, is taken to).
    const manifest = (id: string, status: 'importing' | 'complete') =>
      ({ id, status }) as DatasetManifest;
    const stored = (datasets: DatasetManifest[]) => ({ datasets, loaded: true });
    expect(runOnItsData(finished, stored([manifest('d', 'complete')]))).toBe(finished);
    expect(
      runOnItsData(finished, stored([manifest('d', 'importing'), manifest('e', 'complete')])),
    ).toBeUndefined();
    expect(runOnItsData(finished, { datasets: [], loaded: false })).toBe(finished);
    expect(runOnItsData(undefined, stored([manifest('d', 'complete')]))).toBeUndefined();
    expect(resumeSpec(finished, 'c10')).toMatchObject({ runId: 'a', resumeFrom: 'c10' });

    const spec = continuationSpec(at(total), finished, 25);
    expect(spec.runId).not.toBe('a');
    expect(spec).toMatchObject({
      name: 'i3-test #1 (continued)',
      config: finished.config,
      datasetId: 'd',
      resumeFrom: `c${total}`,
    });
    // The run's own settings, its schedule 25 steps past the checkpoint.
    expect(spec.settings).toEqual({
      ...finished.settings,
      schedule: { ...finished.settings.schedule, totalSteps: total + 25 },
      mixIn: [],
    });
    // Fine-tuning: a schedule of its own (the Model pane's) from the checkpoint's step.
    const fresh = { peakLr: 3e-4, warmupSteps: 4, totalSteps: 999, minRatio: 0.2 };
    expect(continuationSpec(at(total), finished, 25, fresh).settings).toEqual({
      ...finished.settings,
      schedule: { ...fresh, startStep: total, totalSteps: total + 25 },
      mixIn: [],
    });
    // A mixture goes on, but for the dataset the run now trains on, where it was mixed in.
    const mixIn = [
      { datasetId: 'e', share: 0.2 },
      { datasetId: 'f', share: 0.3 },
    ];
    const mixed = { ...finished, settings: { ...finished.settings, mixIn } };
    expect(continuationSpec(at(total), mixed, 25).settings.mixIn).toEqual(mixIn);
    expect(continuationSpec(at(total), { ...mixed, datasetId: 'e' }, 25).settings.mixIn).toEqual([
      mixIn[1],
    ]);
    expect(freshSchedule('d', 'd')).toBe(false);
    expect(freshSchedule('d', 'e')).toBe(true);
    expect(freshSchedule(undefined, 'd')).toBe(true);
  });

  it('trains a checkpoint further on the selected dataset where it has the checkpoint’s tokenizer', () => {
    const d = (id: string, tokenizerId: string, status: 'importing' | 'complete' = 'complete') =>
      ({ id, tokenizerId, status }) as DatasetManifest;
    const own = d('own', 't');
    const fine = d('fine', 't');
    const other = d('other', 'u');
    const all = [own, fine, other, d('half', 't', 'importing')];
    // Selected and of its tokenizer: new files tokenized for it (fine-tuning).
    expect(furtherDataset(all, 't', 'own', 'fine')).toBe(fine);
    // Selected but of another tokenizer, or none selected: its run's own dataset.
    expect(furtherDataset(all, 't', 'own', 'other')).toBe(own);
    expect(furtherDataset(all, 't', 'own')).toBe(own);
    // No run dataset (an imported checkpoint): any complete one of its tokenizer.
    expect(furtherDataset(all, 't', undefined, 'other')?.tokenizerId).toBe('t');
    expect(furtherDataset(all, 'v', 'own', 'fine')).toBeUndefined();
    // The checkpoint's tokenizer: its run's dataset's while stored, else its own header's.
    const r = run('a', 1);
    const details = { checkpointId: 'c', config: r.config, tokenizerId: 'x', step: 1 };
    expect(checkpointTokenizerId({ ...r, datasetId: 'fine' }, all, details)).toBe('t');
    expect(checkpointTokenizerId({ ...r, datasetId: 'gone' }, all, details)).toBe('x');
    expect(checkpointTokenizerId(undefined, all)).toBeUndefined();
  });

  it('names the run that training from a checkpoint starts: its own resumed, or a new one', () => {
    const d = (id: string, tokenizerId: string) =>
      ({ id, tokenizerId, status: 'complete' }) as DatasetManifest;
    const stored = (selectedId: string) => ({
      datasets: [d('d', 't'), d('fine', 't')],
      selectedId,
      loaded: true,
    });
    const pane = {
      ...defaultSettings('i3-tiny', PRESETS['i3-tiny']),
      schedule: { ...defaultSettings('i3-tiny', PRESETS['i3-tiny']).schedule, totalSteps: 40 },
    };
    const r = { ...run('a', 3), state: 'stopped' as const };
    const end = r.settings.schedule.totalSteps;
    // Before the end of its run's schedule, on its own data: the run resumes.
    expect(furtherRun(summary('c', 3), r, stored('d'), undefined, pane)).toEqual({
      spec: resumeSpec(r, 'c'),
      resumes: true,
    });
    // At its end, with its own data selected: a new run stretching its run's schedule.
    const more = furtherRun(summary('c', end), r, stored('d'), undefined, pane);
    expect(more?.resumes).toBe(false);
    expect(more?.spec.settings.schedule).toEqual({ ...r.settings.schedule, totalSteps: end + 40 });
    // With other data of its tokenizer selected: fine-tuning, the Model pane's schedule from its
    // step, its run's settings otherwise.
    const fine = furtherRun(summary('c', end), r, stored('fine'), undefined, pane);
    expect(fine?.spec).toMatchObject({
      datasetId: 'fine',
      config: r.config,
      settings: {
        batchSize: r.settings.batchSize,
        schedule: { ...pane.schedule, startStep: end, totalSteps: end + 40 },
      },
      resumeFrom: 'c',
    });
    // An imported checkpoint (no run): only once read, then with the Model pane's settings at its
    // context.
    const imported = { ...summary('i', 9), runId: 'gone' };
    expect(furtherRun(imported, undefined, stored('fine'), undefined, pane)).toBeUndefined();
    const details = { checkpointId: 'i', config: PRESETS['i3-test'], tokenizerId: 't', step: 9 };
    expect(furtherRun(imported, undefined, stored('fine'), details, pane)?.spec).toMatchObject({
      datasetId: 'fine',
      config: PRESETS['i3-test'],
      settings: { batchSize: pane.batchSize, seqLen: 16, schedule: { startStep: 9 } },
    });
  });

  it("shows the failure of its own export, not of another pane's job on the export worker", () => {
    const job = {
      jobId: 'x',
      checkpointId: 'c',
      fileName: 'b.zip',
      toFile: false,
      written: 0,
      total: 0,
    };
    useCheckpoints.setState({ exportJob: job, notice: undefined });
    const { apply } = useCheckpoints.getState();
    apply({ type: 'failed', jobId: 'shards', message: 'disk full' });
    apply({ type: 'cancelled', jobId: 'shards' });
    expect(useCheckpoints.getState().exportJob).toEqual(job);
    expect(useCheckpoints.getState().notice).toBeUndefined();
    apply({ type: 'failed', jobId: 'x', message: 'disk full' });
    expect(useCheckpoints.getState().exportJob).toBeUndefined();
    expect(useCheckpoints.getState().notice).toEqual({
      kind: 'error',
      text: 'b.zip was not exported. disk full',
    });
  });
});

describe('bundle imports from the web', () => {
  it("follows its download's progress, and a cancel ends it with a notice", () => {
    useCheckpoints.setState({ importJob: undefined, notice: undefined });
    const { apply } = useCheckpoints.getState();
    useCheckpoints.setState({ importJob: { jobId: 'w', files: ['alice/i3-demo'] } });
    const progress = { file: 'model.safetensors', received: 10, total: 40 };
    apply({ type: 'download', jobId: 'other', progress });
    expect(useCheckpoints.getState().importJob?.download).toBeUndefined();
    apply({ type: 'download', jobId: 'w', progress });
    expect(useCheckpoints.getState().importJob?.download).toEqual(progress);
    apply({ type: 'cancelled', jobId: 'w' });
    expect(useCheckpoints.getState().importJob).toBeUndefined();
    expect(useCheckpoints.getState().notice).toEqual({ kind: 'ok', text: 'Import cancelled.' });
  });
});

describe('chat store', () => {
  it('asks a chat after its system prompt, where there is one, and a completion without it', () => {
    const turns = [{ role: 'user' as const, content: 'hi' }];
    expect(chatPrompt('chat', turns, 'Be brief.')).toEqual({
      mode: 'chat',
      messages: [{ role: 'system', content: 'Be brief.' }, ...turns],
    });
    expect(chatPrompt('chat', turns, ' \n')).toEqual({ mode: 'chat', messages: turns });
    expect(chatPrompt('completion', turns, 'Be brief.')).toEqual({
      mode: 'completion',
      text: 'hi',
    });
  });

  it('sends nothing while the pane shows why it cannot', () => {
    const base = {
      checkpointId: 'c',
      loadError: undefined,
      settings: DEFAULT_GENERATION,
      mode: 'chat' as const,
      draft: 'hi',
      showOdds: false,
    };
    expect(sendBlocker(base)).toBeUndefined();
    // No new tokens: the text is only scored, which needs the token view.
    const scoreOnly = { ...base, settings: { ...DEFAULT_GENERATION, maxNewTokens: 0 } };
    expect(sendBlocker({ ...scoreOnly, showOdds: true })).toBeUndefined();
    const blocked = [
      { ...base, checkpointId: undefined },
      { ...base, loadError: 'damaged' },
      { ...base, settings: { ...DEFAULT_GENERATION, topP: 2 } },
      { ...base, draft: '  ' },
      scoreOnly,
      { ...base, settings: { ...DEFAULT_GENERATION, maxNewTokens: -1 } },
    ];
    for (const s of blocked) {
      useChat.setState({ ...s, streaming: undefined, turns: [] });
      expect(sendBlocker(s)).toBeDefined();
      expect(useChat.getState().send()).toBe(false);
      expect(useChat.getState().turns).toEqual([]);
    }
    // A completion may continue an empty text.
    expect(sendBlocker({ ...base, mode: 'completion', draft: '' })).toBeUndefined();
  });

  it('keeps every reply drawn for the last question, to show any of them', () => {
    const question = { role: 'user' as const, content: 'hi' };
    const stats = (tokens: number) => ({ reason: 'stop' as const, tokens, tokensPerSec: 1 });
    const first = { content: ' yo', pieces: [], stats: stats(1) };
    const streaming = { requestId: 'r2', tokens: 0, tokensPerSec: 0 };
    // Regenerate's request: the first reply among the question's replies, the second streaming.
    const drawing = {
      role: 'assistant' as const,
      content: '',
      pieces: [],
      replies: [first],
      shown: 1,
    };
    useChat.setState({ turns: [question, drawing], streaming });
    const { apply, showReply } = useChat.getState();
    apply({
      type: 'delta',
      requestId: 'r2',
      pieces: [{ text: ' hey', prob: 0.5, rank: 1 }],
      tokens: 1,
      tokensPerSec: 1,
    });
    showReply(0); // not while it streams
    expect(useChat.getState().turns[1].content).toBe(' hey');
    apply({ type: 'done', requestId: 'r2', reason: 'stop', tokens: 1, tokensPerSec: 1 });
    const done = useChat.getState().turns[1];
    expect(done.replies?.map((r) => r.content)).toEqual([' yo', ' hey']);
    expect([done.content, done.shown]).toEqual([' hey', 1]);
    useChat.getState().showReply(0);
    const back = useChat.getState().turns[1];
    expect([back.role, back.content, back.stats, back.shown]).toEqual([
      'assistant',
      ' yo',
      stats(1),
      0,
    ]);
    expect(back.replies).toBe(done.replies);
    useChat.getState().showReply(5); // no such reply
    expect(useChat.getState().turns[1]).toBe(back);
    // A redraw that fails keeps the replies drawn before, showing the newest.
    useChat.setState({
      turns: [question, { ...drawing, replies: done.replies, shown: 2 }],
      streaming: { ...streaming, requestId: 'r3' },
    });
    useChat.getState().apply({ type: 'failed', requestId: 'r3', message: 'out of memory' });
    const kept = useChat.getState();
    expect(kept.turns).toHaveLength(2);
    expect([kept.turns[1].content, kept.turns[1].shown, kept.error]).toEqual([
      ' hey',
      1,
      'out of memory',
    ]);
    expect(kept.streaming).toBeUndefined();
  });

  it('draws again only a reply that ended, keeping the seed where it cannot', () => {
    const question = { role: 'user' as const, content: 'hi' };
    const stats = { reason: 'stop' as const, tokens: 1, tokensPerSec: 1 };
    const reply = { role: 'assistant' as const, content: ' yo', stats };
    const base = {
      checkpointId: 'c',
      loadError: undefined,
      settings: DEFAULT_GENERATION,
      mode: 'chat' as const,
      showOdds: false,
      turns: [question, reply],
      streaming: undefined,
    };
    expect(regenerable(base)).toBe(true);
    // Score only (no new tokens) needs the token view, as sending does.
    const scoreOnly = { ...base, settings: { ...DEFAULT_GENERATION, maxNewTokens: 0 } };
    expect(regenerable({ ...scoreOnly, showOdds: true })).toBe(true);
    const blocked = [
      scoreOnly,
      { ...base, checkpointId: undefined },
      { ...base, loadError: 'damaged' },
      { ...base, settings: { ...DEFAULT_GENERATION, topK: -1 } },
      { ...base, turns: [question] },
      { ...base, turns: [question, { ...reply, stats: undefined }] },
      { ...base, streaming: { requestId: 'r', tokens: 0, tokensPerSec: 0 } },
    ];
    for (const s of blocked) {
      useChat.setState(s);
      expect(regenerable(s)).toBe(false);
      expect(useChat.getState().regenerate()).toBe(false);
      expect(useChat.getState().settings.seed).toBe(s.settings.seed);
      expect(useChat.getState().turns).toBe(s.turns);
    }
  });
});

describe('compare store', () => {
  const result = (requestId: string, status: CompareResult['status']): CompareResult => ({
    checkpointId: requestId,
    requestId,
    status,
    pieces: [],
  });

  it('picks up to its limit, and compares only two or more stored checkpoints on a text', () => {
    useCompare.setState({ selected: [], draft: '', comparison: undefined });
    const { toggle } = useCompare.getState();
    for (let k = 0; k <= MAX_COMPARED; k++) toggle(`c${k}`);
    // The oldest pick gives way to the newest past the limit.
    expect(useCompare.getState().selected).toEqual(
      Array.from({ length: MAX_COMPARED }, (_, k) => `c${k + 1}`),
    );
    toggle('c1');
    expect(useCompare.getState().selected).not.toContain('c1');
    const base = { selected: ['a', 'b'], draft: 'the film', comparison: undefined };
    expect(compareBlocker(base, ['a', 'b'], DEFAULT_GENERATION)).toBeUndefined();
    // A deleted checkpoint does not count.
    expect(compareBlocker(base, ['a'], DEFAULT_GENERATION)).toBe('Choose two checkpoints or more.');
    expect(compareBlocker({ ...base, draft: ' ' }, ['a', 'b'], DEFAULT_GENERATION)).toBeDefined();
    const bad = { ...DEFAULT_GENERATION, temperature: -1 };
    expect(compareBlocker(base, ['a', 'b'], bad)).toBe('Fix the settings first.');
    const running = { text: 'x', mode: 'completion' as const, results: [result('r', 'queued')] };
    expect(comparing(running)).toBe(true);
    expect(compareBlocker({ ...base, comparison: running }, ['a', 'b'], DEFAULT_GENERATION)).toBe(
      'A comparison is running.',
    );
    useCompare.setState({ ...base, comparison: running });
    expect(useCompare.getState().compare(['a', 'b'])).toBe(false);
    expect(useCompare.getState().comparison).toBe(running);
  });

  it('follows each of its requests, ignores the chat’s, and ends them all when the device is lost', () => {
    const results = [result('r1', 'queued'), result('r2', 'queued'), result('r3', 'queued')];
    useCompare.setState({ comparison: { text: 'ab', mode: 'completion', results } });
    const { apply } = useCompare.getState();
    const piece = { text: 'a', prob: 0.5, rank: 1 };
    apply({ type: 'started', requestId: 'r1', droppedMessages: 0, unknownChars: [] });
    apply({ type: 'prompt-score', requestId: 'r1', pieces: [piece] });
    apply({ type: 'delta', requestId: 'r1', pieces: [piece], tokens: 1, tokensPerSec: 9 });
    apply({ type: 'delta', requestId: 'chat', pieces: [piece], tokens: 1, tokensPerSec: 9 });
    apply({ type: 'delta', requestId: 'r1', pieces: [piece], tokens: 2, tokensPerSec: 9 });
    apply({ type: 'done', requestId: 'r1', reason: 'length', tokens: 2, tokensPerSec: 9 });
    apply({ type: 'failed', requestId: 'r2', message: 'This checkpoint is no longer stored.' });
    apply({ type: 'device-lost', message: 'lost' });
    // A late event of a request the lost device ended changes nothing.
    apply({ type: 'done', requestId: 'r3', reason: 'abort', tokens: 0, tokensPerSec: 0 });
    const [r1, r2, r3] = useCompare.getState().comparison?.results ?? [];
    expect(r1).toMatchObject({ status: 'done', reading: [piece], pieces: [piece, piece] });
    expect(r1.stats).toEqual({ reason: 'length', tokens: 2, tokensPerSec: 9 });
    expect(r2).toMatchObject({ status: 'failed', error: 'This checkpoint is no longer stored.' });
    expect(r3).toMatchObject({ status: 'failed', error: 'lost' });
    expect(comparing(useCompare.getState().comparison)).toBe(false);
  });
});

describe('chat kept over a reload', () => {
  it('keeps the turns with their tokens and replies, not their attention maps', () => {
    const attention = {
      layers: 1,
      size: 2,
      weights: new Float32Array(4),
      elsewhere: new Float32Array(2),
    };
    const piece = { text: 'ab', prob: 0.5, rank: 1 };
    const turns: ChatTurn[] = [
      { role: 'user', content: 'hi', pieces: [piece], attention },
      {
        role: 'assistant',
        content: 'ab',
        pieces: [piece],
        attention,
        replies: [
          { content: 'x', attention },
          { content: 'ab', attention },
        ],
        shown: 1,
      },
    ];
    // As localStorage holds it: JSON (typed arrays would come back as plain objects).
    expect(JSON.parse(JSON.stringify(savedTurns(turns)))).toEqual([
      { role: 'user', content: 'hi', pieces: [piece] },
      {
        role: 'assistant',
        content: 'ab',
        pieces: [piece],
        replies: [{ content: 'x' }, { content: 'ab' }],
        shown: 1,
      },
    ]);
    expect(turns[0].attention).toBe(attention);
    // A conversation of more tokens than SAVED_PIECES keeps its text only.
    const long: ChatTurn = {
      role: 'assistant',
      content: 'ab',
      pieces: Array(SAVED_PIECES).fill(piece),
    };
    expect(savedTurns([...turns, long]).map((t) => t.pieces)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(savedTurns([...turns, long]).map((t) => t.content)).toEqual(['hi', 'ab', 'ab']);
    expect(savedTurns([long])[0].pieces).toHaveLength(SAVED_PIECES);
  });
});

describe('chat editing', () => {
  it('takes the last message back into the draft with its reply, not while one streams', () => {
    const stats = { reason: 'stop' as const, tokens: 1, tokensPerSec: 1 };
    const turns = [
      { role: 'user' as const, content: 'hi' },
      { role: 'assistant' as const, content: ' yo', stats },
      { role: 'user' as const, content: 'and you?' },
      { role: 'assistant' as const, content: ' fine', stats },
    ];
    useChat.setState({
      turns,
      draft: '',
      streaming: { requestId: 'r', tokens: 0, tokensPerSec: 0 },
    });
    expect(useChat.getState().editLast()).toBe(false);
    useChat.setState({ streaming: undefined, dropped: 1 });
    expect(useChat.getState().editLast()).toBe(true);
    expect(useChat.getState()).toMatchObject({
      draft: 'and you?',
      turns: turns.slice(0, 2),
      dropped: 0,
    });
    // A message whose reply failed, or none at all.
    useChat.setState({ turns: [turns[0]] });
    expect(useChat.getState().editLast()).toBe(true);
    expect(useChat.getState()).toMatchObject({ draft: 'hi', turns: [] });
    expect(useChat.getState().editLast()).toBe(false);
  });
});

describe('chat mode by training data', () => {
  it('knows how many conversations a checkpoint was trained on, or that it does not know', () => {
    const file = (chats?: number) => ({
      name: 'f',
      size: 1,
      format: 'txt' as const,
      documents: 9,
      chats,
      skipped: 0,
      issues: [],
      bytesRead: 1,
    });
    const dataset = (id: string, ...chats: (number | undefined)[]) =>
      ({ id, name: `data ${id}`, files: chats.map(file) }) as unknown as DatasetManifest;
    const checkpoint = (id: string, runId: string) => ({
      id,
      runId,
      runName: runId,
      step: 1,
      tokens: 1,
      loss: 1,
      createdAt: 1,
      bytes: 1,
      source: 'training' as const,
    });
    const checkpoints = [checkpoint('c1', 'r1'), checkpoint('c2', 'r2'), checkpoint('c3', 'r3')];
    const runs = [
      { ...run('r1', 0), datasetId: 'plain' },
      { ...run('r2', 0), datasetId: 'chats' },
      { ...run('r3', 0), datasetId: 'old' },
    ];
    const datasets = [
      dataset('plain', 0, 0),
      dataset('chats', 0, 12),
      dataset('old', 3, undefined),
    ];
    const of = (id: string) => trainingData(id, checkpoints, runs, datasets);
    expect(of('c1')).toEqual({ dataset: 'data plain', conversations: 0 });
    expect(of('c2')).toEqual({ dataset: 'data chats', conversations: 12 });
    // A dataset stored before conversations were counted, a checkpoint without its run.
    expect(of('c3')).toBeUndefined();
    expect(of('imported')).toBeUndefined();
  });
});

describe('setup store', () => {
  it('takes the preset and its defaults, and keeps the context in the settings', () => {
    useSetup.getState().choosePreset('i3-22m');
    expect(useSetup.getState().config).toEqual(PRESETS['i3-22m']);
    expect(useSetup.getState().settings.schedule.peakLr).toBe(6e-4);
    useSetup.getState().setConfig({ max_seq_len: 64 });
    expect(useSetup.getState().settings.seqLen).toBe(64);
    useSetup.getState().choosePreset('i3-tiny');
    expect(useSetup.getState().settings.schedule.peakLr).toBe(1e-3);
  });

  it('takes an earlier run’s setup, a fine-tuning schedule as the same one from step 0', () => {
    const config = { ...PRESETS['i3-test'], vocab_size: 4466 };
    expect(presetOf(config)).toBe('i3-test');
    expect(presetOf({ ...config, n_layers: 3 })).toBeUndefined();
    const settings = defaultSettings('i3-test', config);
    const tuned = {
      ...settings,
      batchSize: 3,
      schedule: { ...settings.schedule, peakLr: 2e-4, startStep: 500, totalSteps: 800 },
    };
    useSetup.getState().choosePreset('i3-22m');
    useSetup.getState().adopt(config, tuned);
    const next = useSetup.getState();
    expect(next.preset).toBe('i3-test');
    expect(next.config).toEqual(config);
    expect(next.settings.batchSize).toBe(3);
    expect(next.settings.schedule).toEqual({ ...settings.schedule, peakLr: 2e-4, totalSteps: 300 });
    // An edited model keeps the preset it was edited from.
    const edited = { ...config, n_layers: 3 };
    expect(setupLike(edited, settings, 'i3-tiny')).toMatchObject({
      preset: 'i3-tiny',
      config: edited,
    });
  });
});

describe('saved setup', () => {
  it('restores a saved setup, older ones with the preset defaults of later settings', () => {
    const tiny = defaultSettings('i3-tiny', PRESETS['i3-tiny']);
    const { sampleTokens, samplePrompt, ...older } = tiny;
    const saved = {
      preset: 'i3-tiny',
      config: { ...PRESETS['i3-tiny'], n_layers: 6 },
      settings: { ...older, batchSize: 4, schedule: { ...tiny.schedule, totalSteps: 77 } },
    };
    const restored = restoreSetup(saved);
    expect(restored.config?.n_layers).toBe(6);
    expect(restored.settings).toEqual({
      ...tiny,
      batchSize: 4,
      schedule: { ...tiny.schedule, totalSteps: 77 },
    });
    expect(restored.settings?.sampleTokens).toBe(sampleTokens);
    expect(restored.settings?.samplePrompt).toBe(samplePrompt);
    for (const junk of [undefined, null, 3, { preset: 'i3-huge', config: {}, settings: {} }]) {
      expect(restoreSetup(junk)).toEqual({});
    }
    // The time budget where one was saved and it is a time; else the store's default stays.
    expect(restored.budgetMinutes).toBeUndefined();
    expect(restoreSetup({ ...saved, budgetMinutes: 45 }).budgetMinutes).toBe(45);
    expect(restoreSetup({ ...saved, budgetMinutes: -1 }).budgetMinutes).toBeUndefined();
  });
});

describe('navigation store', () => {
  it('switches panes', () => {
    useNav.getState().show('chat');
    expect(useNav.getState().pane).toBe('chat');
  });
});

describe('learning-rate finder store', () => {
  const point = (lr: number) => ({ lr, loss: 4, smoothed: 4 });

  it('gathers its own sweep’s points, and ends with the result', () => {
    useLrFinder.setState({ sweepId: 'a', running: true, points: [], result: undefined });
    const apply = useLrFinder.getState().apply;
    apply({ type: 'lr-point', sweepId: 'a', point: point(1e-5), index: 0, steps: 100 });
    // Another sweep's points (one cancelled before this one started) are not this sweep's.
    apply({ type: 'lr-point', sweepId: 'old', point: point(1), index: 9, steps: 100 });
    apply({ type: 'lr-point', sweepId: 'a', point: point(2e-5), index: 1, steps: 100 });
    expect(useLrFinder.getState().points.map((p) => p.lr)).toEqual([1e-5, 2e-5]);
    expect(useLrFinder.getState().steps).toBe(100);
    const result = {
      points: [point(1e-5), point(2e-5)],
      diverged: false,
      cancelled: true,
      suggestion: undefined,
    };
    apply({ type: 'lr-found', sweepId: 'old', message: 'not this one' });
    expect(useLrFinder.getState().running).toBe(true);
    apply({ type: 'lr-found', sweepId: 'a', result });
    expect(useLrFinder.getState()).toMatchObject({ running: false, result, message: undefined });
  });

  it('ties a sweep to what shapes a step, not to the schedule or the evaluations', () => {
    const config = PRESETS['i3-test'];
    const settings = defaultSettings('i3-test', config);
    const key = sweepKey(config, settings, 'd');
    const schedule = { ...settings.schedule, peakLr: 0.5, totalSteps: 7 };
    expect(sweepKey(config, { ...settings, schedule, evalInterval: 3 }, 'd')).toBe(key);
    expect(sweepKey(config, { ...settings, batchSize: settings.batchSize + 1 }, 'd')).not.toBe(key);
    expect(sweepKey(config, settings, 'other')).not.toBe(key);
    expect(sweepKey({ ...config, n_layers: 3 }, settings, 'd')).not.toBe(key);
  });
});

describe('evaluation store', () => {
  it('follows its own evaluation, and puts the stored result in the runs store', () => {
    const ck = summary('c', 3);
    useRuns.setState({ checkpoints: [ck] });
    const job = { evalId: 'e', checkpointId: 'c', datasetId: 'd', done: 0 };
    useEvaluation.setState({ job, problem: undefined });
    const { apply } = useEvaluation.getState();
    apply({ type: 'evaluation', evalId: 'e', progress: { done: 2, total: 5 } });
    // Another evaluation's events (one ended before this began) change nothing.
    apply({ type: 'evaluation', evalId: 'old', message: 'Cancelled.' });
    expect(useEvaluation.getState().job).toEqual({ ...job, done: 2, total: 5 });
    const evaluations = [{ datasetId: 'd', datasetName: 'd', loss: 4.5, tokens: 99, at: 2 }];
    apply({ type: 'evaluation', evalId: 'e', checkpoint: { ...ck, evaluations } });
    expect(useEvaluation.getState().job).toBeUndefined();
    expect(useRuns.getState().checkpoints[0].evaluations).toEqual(evaluations);

    useEvaluation.setState({ job });
    apply({ type: 'evaluation', evalId: 'e', message: 'Cancelled.' });
    expect(useEvaluation.getState()).toMatchObject({
      job: undefined,
      problem: { checkpointId: 'c', message: 'Cancelled.' },
    });
  });
});

describe('run queue', () => {
  const spec = (id: string): RunSpec => ({
    runId: id,
    name: id,
    config: PRESETS['i3-test'],
    settings: defaultSettings('i3-test', PRESETS['i3-test']),
    datasetId: 'gone',
  });
  let unfollow = () => {};
  beforeEach(() => {
    unfollow();
    useRuns.setState({ runs: [run('a', 3)], liveRunId: 'a' });
    useQueue.setState({ queued: [], held: undefined, notice: undefined });
    useDatasets.setState({ datasets: [] });
    unfollow = followRuns();
  });

  it('goes on after a run that finished or was stopped, and waits after one that failed', () => {
    expect(afterRunEnds({ name: 'a', state: 'finished' })).toBe('next');
    expect(afterRunEnds({ name: 'a', state: 'stopped' })).toBe('next');
    expect(afterRunEnds({ name: 'a', state: 'failed' })).toEqual({
      held: 'The queue waits: a failed. Start the next run when ready.',
    });
  });

  it('queues behind the live run, and holds when that run fails', () => {
    useQueue.getState().enqueue([spec('q1'), spec('q2')]);
    expect(useQueue.getState().queued.map((r) => r.runId)).toEqual(['q1', 'q2']);
    useRuns.getState().apply({ type: 'run-state', runId: 'a', state: 'failed', message: 'NaN' });
    expect(useQueue.getState().held).toMatch(/a failed/);
    expect(useQueue.getState().queued).toHaveLength(2);
    // Taking every run off the queue lets the next one queued start as the first did.
    useQueue.getState().remove('q1');
    expect(useQueue.getState().held).toBeDefined();
    useQueue.getState().remove('q2');
    expect(useQueue.getState().held).toBeUndefined();
  });

  it('moves a queued run earlier, not past the front', () => {
    useQueue.getState().enqueue([spec('q1'), spec('q2'), spec('q3')]);
    useQueue.getState().moveUp('q3');
    expect(useQueue.getState().queued.map((r) => r.runId)).toEqual(['q1', 'q3', 'q2']);
    useQueue.getState().moveUp('q3');
    useQueue.getState().moveUp('q3');
    expect(useQueue.getState().queued.map((r) => r.runId)).toEqual(['q3', 'q1', 'q2']);
  });

  it('takes the runs that read a deleted dataset off the queue, mixed in or their own', () => {
    const mixing = {
      ...spec('q2'),
      datasetId: 'd',
      settings: { ...spec('q2').settings, mixIn: [{ datasetId: 'gone', share: 0.2 }] },
    };
    useQueue.getState().enqueue([spec('q1'), mixing, { ...spec('q3'), datasetId: 'd' }]);
    useQueue.getState().dropReaders('gone');
    expect(useQueue.getState().queued.map((r) => r.runId)).toEqual(['q3']);
  });

  it('moves on when the live run ends, dropping queued runs whose dataset is gone', () => {
    useQueue.getState().enqueue([spec('q1'), spec('q2')]);
    useRuns.getState().apply({ type: 'run-state', runId: 'a', state: 'paused' });
    expect(useQueue.getState().queued).toHaveLength(2);
    useRuns.getState().apply({ type: 'run-state', runId: 'a', state: 'finished' });
    // No dataset is stored here, so neither can start: both are dropped, and the user told.
    expect(useQueue.getState()).toMatchObject({
      queued: [],
      held: undefined,
      notice: 'Taken off the queue, a dataset they read no longer stored: q1, q2.',
    });
    expect(useRuns.getState().liveRunId).toBeUndefined();
  });
});
