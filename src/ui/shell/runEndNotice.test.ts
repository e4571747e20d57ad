import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import { defaultSettings } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { runEndNotice, runsToNotice } from './runEndNotice';

const settings = defaultSettings('i3-test', PRESETS['i3-test']);

const run = (state: RunRecord['state'], message?: string): RunRecord => ({
  id: 'a',
  name: 'tiny #2',
  config: PRESETS['i3-test'],
  settings: { ...settings, schedule: { ...settings.schedule, totalSteps: 1200 } },
  datasetId: 'd',
  createdAt: 1,
  state,
  message,
  metrics: {
    steps: [
      {
        step: 1100,
        tokens: 1,
        time: 1,
        loss: 2.71234,
        perplexity: 23,
        lr: 1e-3,
        gradNorm: 1,
        tokensPerSec: 1,
        stepMs: 1,
      },
    ],
    evals: [{ step: 1000, tokens: 1, time: 1, valLoss: 3.5, valPerplexity: 33 }],
  },
});

describe('the notice of a run’s end', () => {
  it('says how the run ended, how far it got and its losses', () => {
    expect(runEndNotice(run('stopped'))).toEqual({
      title: 'tiny #2 stopped',
      body: 'step 1,100 of 1,200 · loss 2.712 · validation loss 3.500 (step 1,000)',
    });
    const failed = runEndNotice(run('failed', 'The GPU device was lost.'));
    expect(failed.title).toBe('tiny #2 failed');
    expect(failed.body.split('\n')[1]).toBe('The GPU device was lost.');
  });

  it('is given for a run that ends, or that the studio paused, not for one the user paused', () => {
    const changed = (a: RunRecord, b: RunRecord) => runsToNotice([a], [b]).map((r) => r.state);
    expect(changed(run('running'), run('finished'))).toEqual(['finished']);
    expect(changed(run('paused'), run('stopped'))).toEqual(['stopped']);
    expect(changed(run('running'), run('failed'))).toEqual(['failed']);
    expect(
      changed(run('running'), run('paused', 'The last checkpoint could not be stored')),
    ).toEqual(['paused']);
    expect(changed(run('running'), run('paused'))).toEqual([]);
    expect(changed(run('stopped'), run('running'))).toEqual([]);
    // The same state again (a metrics update), or runs loaded from storage, are not news.
    expect(changed(run('finished'), run('finished'))).toEqual([]);
    expect(runsToNotice([], [run('finished')])).toEqual([]);
    expect(runEndNotice(run('paused', 'Free storage.')).title).toBe('tiny #2 paused: it needs you');
  });
});
