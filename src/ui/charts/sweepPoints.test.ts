import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import { defaultSettings } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import type { SweepTag } from '../../train/sweep';
import { sweepsOf } from './sweepPoints';

const run = (id: string, createdAt: number, valLosses: number[], sweep?: SweepTag): RunRecord => ({
  id,
  name: id,
  config: PRESETS['i3-test'],
  settings: defaultSettings('i3-test', PRESETS['i3-test']),
  datasetId: 'd',
  createdAt,
  state: 'finished',
  metrics: {
    steps: [],
    evals: valLosses.map((valLoss, i) => ({
      step: i + 1,
      tokens: 0,
      time: 0,
      valLoss,
      valPerplexity: Math.exp(valLoss),
    })),
  },
  sweep,
});

describe('sweeps of the runs', () => {
  it('groups runs by sweep, newest sweep first, each by value with its lowest validation loss', () => {
    const lr = (value: number) => ({ id: 'lr', axis: 'peakLr' as const, value });
    const seed = (value: number) => ({ id: 'seed', axis: 'seed' as const, value });
    const sweeps = sweepsOf([
      run('a', 1, [5, 4.5, 4.7], lr(1e-2)),
      run('b', 2, [5, 4.2], lr(1e-3)),
      run('plain', 3, [3]),
      run('c', 4, [], lr(3e-3)),
      run('d', 5, [4.9, Number.NaN], seed(2)),
      run('e', 6, [4.1], seed(1)),
    ]);
    expect(sweeps.map((s) => s.id)).toEqual(['seed', 'lr']);
    const [bySeed, byLr] = sweeps;
    expect(byLr.points.map((p) => [p.runId, p.value, p.valLoss])).toEqual([
      ['b', 1e-3, 4.2],
      ['c', 3e-3, undefined],
      ['a', 1e-2, 4.5],
    ]);
    expect(byLr.best?.runId).toBe('b');
    // A NaN evaluation is not a lowest loss.
    expect(bySeed.points.map((p) => p.valLoss)).toEqual([4.1, 4.9]);
    expect(bySeed.best?.runId).toBe('e');
  });

  it("lists a choice's values in the axis's order", () => {
    const decay = (value: string) => ({ id: 'd', axis: 'decay' as const, value });
    const [sweep] = sweepsOf([
      run('a', 1, [4.4], decay('wsd')),
      run('b', 2, [4.5], decay('cosine')),
      run('c', 3, [4.6], decay('constant')),
    ]);
    expect(sweep.points.map((p) => p.value)).toEqual(['cosine', 'wsd', 'constant']);
    expect(sweep.best?.value).toBe('wsd');
  });

  it('has no best before any run of the sweep is evaluated, and no sweeps without tagged runs', () => {
    expect(
      sweepsOf([run('a', 1, [], { id: 's', axis: 'seed', value: 1 })])[0].best,
    ).toBeUndefined();
    expect(sweepsOf([run('a', 1, [4])])).toEqual([]);
  });
});
