import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import { defaultSettings } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { runTitle } from './documentTitle';

const run = (steps: number, state: RunRecord['state'] = 'running'): RunRecord => ({
  id: 'r',
  name: 'tiny #2',
  config: PRESETS['i3-test'],
  settings: defaultSettings('i3-test', PRESETS['i3-test']),
  datasetId: 'd',
  createdAt: 1,
  state,
  metrics: {
    steps: Array.from({ length: steps }, (_, i) => ({
      step: i + 1,
      tokens: 0,
      time: 0,
      loss: 5 - i / 20,
      perplexity: 1,
      lr: 1e-3,
      gradNorm: 1,
      tokensPerSec: 1,
      stepMs: 1,
    })),
    evals: [],
  },
});

describe('the tab title', () => {
  it('shows the live run (progress of its 60 steps, loss, pause), then how it ended', () => {
    expect(runTitle(undefined)).toBe('i3 Studio');
    expect(runTitle(run(0))).toBe('0% · tiny #2 — i3 Studio');
    expect(runTitle(run(15))).toBe('25% · loss 4.30 · tiny #2 — i3 Studio');
    expect(runTitle(run(59, 'paused'))).toBe('paused at 98% · loss 2.10 · tiny #2 — i3 Studio');
    // Once it ended, how: until another run starts.
    expect(runTitle(undefined, run(60, 'finished'))).toBe('finished · tiny #2 — i3 Studio');
    expect(runTitle(undefined, run(7, 'failed'))).toBe('failed · tiny #2 — i3 Studio');
    expect(runTitle(run(1), run(60, 'finished'))).toBe('1% · loss 5.00 · tiny #2 — i3 Studio');
  });
});
