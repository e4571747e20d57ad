import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config';
import type { RunSpec } from '../../protocol';
import { defaultSettings } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { queueDoneIn, queuedSeconds, secondsLeft, stepMsLike } from './queueTime';

const settings = defaultSettings('i3-test', PRESETS['i3-test']);
const spec = (id: string, patch: Partial<RunSpec['settings']> = {}): RunSpec => ({
  runId: id,
  name: id,
  config: PRESETS['i3-test'],
  settings: { ...settings, ...patch, schedule: { ...settings.schedule, totalSteps: 600 } },
  datasetId: 'd',
});
const trained = (id: string, createdAt: number, stepMs: number[], patch = {}): RunRecord => ({
  ...spec(id, patch),
  id,
  createdAt,
  state: 'finished',
  metrics: {
    steps: stepMs.map((ms, i) => ({
      step: i + 1,
      tokens: 0,
      time: 0,
      loss: 5,
      perplexity: 148,
      lr: 1e-3,
      gradNorm: 1,
      tokensPerSec: 0,
      stepMs: ms,
    })),
    evals: [],
  },
});

describe('queue times', () => {
  it('times a queued run by the newest run of its shape, whatever its rate or seed', () => {
    const runs = [
      trained('old', 1, [50, 50, 50]),
      trained('new', 2, [10, 30, 20]),
      trained('wide', 3, [99], { batchSize: 64 }),
    ];
    expect(stepMsLike(spec('q', { seed: 7, weightDecay: 0 }), runs)).toBe(20);
    expect(stepMsLike(spec('q', { batchSize: 64 }), runs)).toBe(99);
    // Recomputing the activations makes a step longer: another shape, not timed yet.
    expect(stepMsLike(spec('q', { activations: 'recompute' }), runs)).toBeUndefined();
    // Its 600 steps at 20 ms; an untimed shape is unknown.
    expect(queuedSeconds([spec('a'), spec('b', { accumSteps: 2 })], runs)).toEqual([12, undefined]);
  });

  it('reads only the last steps of a run, and none of a run that has not stepped', () => {
    const slowStart = trained('r', 1, [...Array(60).fill(500), ...Array(50).fill(10)]);
    expect(stepMsLike(spec('q'), [slowStart])).toBe(10);
    expect(stepMsLike(spec('q'), [trained('r', 1, [])])).toBeUndefined();
  });

  it('adds the live run’s steps left to the queued runs’ times, where all are known', () => {
    const live = { ...trained('live', 5, Array(100).fill(10)), state: 'running' as const };
    const runs = [trained('done', 1, [20]), live];
    // 500 of its 600 steps left at 10 ms, then 12 s and 3 s.
    expect(queueDoneIn('live', runs, [12, 3])).toBeCloseTo(20, 12);
    expect(queueDoneIn('live', runs, [12, undefined])).toBeUndefined();
    // Nothing live: the queue alone.
    expect(queueDoneIn(undefined, runs, [12, 3])).toBe(15);
    // A live run before its first step has no time left to tell, nor has the queue behind it.
    const fresh = { ...trained('fresh', 6, []), state: 'running' as const };
    expect(secondsLeft(fresh)).toBeNaN();
    expect(queueDoneIn('fresh', [...runs, fresh], [12, 3])).toBeUndefined();
  });
});
