import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import { defaultSettings } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { nextOrder, orderedRuns } from './runOrder';

const config = PRESETS['i3-test'];

function run(name: string, loss?: number, valLoss?: number): RunRecord {
  const at = { step: 10, tokens: 1000, time: 10 };
  return {
    id: name,
    name,
    config,
    settings: defaultSettings('i3-test', config),
    datasetId: 'd',
    createdAt: 0,
    state: 'finished',
    metrics: {
      steps:
        loss === undefined
          ? []
          : [
              {
                ...at,
                loss,
                perplexity: Math.exp(loss),
                lr: 1e-3,
                gradNorm: 1,
                tokensPerSec: 100,
                stepMs: 10,
              },
            ],
      evals: valLoss === undefined ? [] : [{ ...at, valLoss, valPerplexity: Math.exp(valLoss) }],
    },
  };
}

const names = (runs: RunRecord[]) => runs.map((r) => r.name);

describe('run list order', () => {
  const runs = [run('run 10', 2, 2.5), run('run 9', 3), run('run 2', 1, 1.5), run('new')];

  it('keeps the order the runs were made in without one', () => {
    expect(names(orderedRuns(runs))).toEqual(['run 10', 'run 9', 'run 2', 'new']);
  });

  it('orders by a column either way, runs without a value last both ways', () => {
    const valLoss = { column: 'valLoss' as const, descending: false };
    expect(names(orderedRuns(runs, valLoss))).toEqual(['run 2', 'run 10', 'run 9', 'new']);
    expect(names(orderedRuns(runs, { ...valLoss, descending: true }))).toEqual([
      'run 10',
      'run 2',
      'run 9',
      'new',
    ]);
    expect(names(orderedRuns(runs, { column: 'loss', descending: false }))).toEqual([
      'run 2',
      'run 10',
      'run 9',
      'new',
    ]);
  });

  it('orders names as people read them, numbers by value; ties keep the made order', () => {
    expect(names(orderedRuns(runs, { column: 'name', descending: false }))).toEqual([
      'new',
      'run 2',
      'run 9',
      'run 10',
    ]);
    // Every run has state 'finished'.
    expect(names(orderedRuns(runs, { column: 'state', descending: true }))).toEqual(names(runs));
  });

  it('goes ascending, descending, then back to the made order as a header is pressed', () => {
    const up = nextOrder(undefined, 'step');
    expect(up).toEqual({ column: 'step', descending: false });
    const down = nextOrder(up, 'step');
    expect(down).toEqual({ column: 'step', descending: true });
    expect(nextOrder(down, 'step')).toBeUndefined();
    expect(nextOrder(down, 'tokens')).toEqual({ column: 'tokens', descending: false });
  });
});
