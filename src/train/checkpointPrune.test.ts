import { describe, expect, it } from 'vitest';
import { bestCheckpointIds, prunableCheckpoints } from './checkpointPrune';
import type { CheckpointSummary } from './runStore';

const ck = (
  id: string,
  runId: string,
  step: number,
  valLoss?: number,
  source: CheckpointSummary['source'] = 'training',
): CheckpointSummary => ({
  id,
  runId,
  runName: runId,
  step,
  tokens: step * 100,
  loss: 5,
  valLoss,
  createdAt: step,
  bytes: 1000,
  source,
});

describe('checkpoints worth their space', () => {
  const all = [
    ck('a2', 'a', 2),
    ck('a4', 'a', 4, 3.1),
    ck('a6', 'a', 6, 2.9),
    ck('a8', 'a', 8, 3.0),
    ck('b2', 'b', 2),
    ck('b4', 'b', 4),
    ck('i1', 'import-x', 3, 1.0, 'import'),
    ck('i2', 'import-y', 3, undefined, 'import'),
  ];

  it("marks each run's lowest validation loss, not an imported one's", () => {
    expect(bestCheckpointIds(all)).toEqual(new Set(['a6']));
  });

  it("keeps each run's latest and best and every imported one; the rest can go", () => {
    expect(prunableCheckpoints(all).map((c) => c.id)).toEqual(['a2', 'a4', 'b2']);
    // A run whose latest is also its best keeps one.
    expect(
      prunableCheckpoints([ck('c1', 'c', 1, 4), ck('c2', 'c', 2, 3)]).map((c) => c.id),
    ).toEqual(['c1']);
    // Two checkpoints of one step (a pause, then a resume that saved again): the newer stays.
    const twice = [ck('d1', 'd', 5), { ...ck('d2', 'd', 5), createdAt: 9 }];
    expect(prunableCheckpoints(twice).map((c) => c.id)).toEqual(['d1']);
    expect(prunableCheckpoints([])).toEqual([]);
  });
});
