import { describe, expect, it } from 'vitest';
import { earlyStopReason, MIN_IMPROVEMENT } from './earlyStop';
import type { EvalMetrics } from './metrics';

const evals = (...losses: number[]): EvalMetrics[] =>
  losses.map((valLoss, i) => ({
    step: 10 * (i + 1),
    tokens: 0,
    time: 0,
    valLoss,
    valPerplexity: Math.exp(valLoss),
  }));

describe('early stopping', () => {
  it('ends a run once its patience of evaluations has passed without improvement', () => {
    expect(earlyStopReason(evals(5, 4, 4.2, 4.1), 2)).toBe(
      'Stopped early at step 40: the validation loss has not improved for 2 evaluations ' +
        '(best 4.000 at step 20). The checkpoints of that step, where one was saved, hold the ' +
        'best weights.',
    );
    expect(earlyStopReason(evals(5, 4, 4.2), 2)).toBeUndefined();
    // Improving again resets the count.
    expect(earlyStopReason(evals(5, 4, 4.2, 3.9), 2)).toBeUndefined();
  });

  it('counts a drop smaller than the least improvement as none', () => {
    const flat = evals(4, 4 - MIN_IMPROVEMENT / 2, 4 - MIN_IMPROVEMENT);
    expect(earlyStopReason(flat, 2)).toMatch(
      /not improved for 2 evaluations \(best 4.000 at step 10\)/,
    );
    expect(earlyStopReason(evals(4, 4 - 2 * MIN_IMPROVEMENT), 1)).toBeUndefined();
  });

  it('never ends a run without patience or evaluations', () => {
    expect(earlyStopReason(evals(1, 2, 3, 4), 0)).toBeUndefined();
    expect(earlyStopReason(evals(1, 2, 3, 4))).toBeUndefined();
    expect(earlyStopReason([], 1)).toBeUndefined();
  });

  it('gives a resumed run its patience again, against the best of its history', () => {
    const history = evals(5, 4, 4.2, 4.3);
    // Evaluations 0-3 came before the resume (from = 4): the resumed run has had none yet.
    expect(earlyStopReason(history, 2, 4)).toBeUndefined();
    expect(earlyStopReason([...history, ...evals(4.1)], 2, 4)).toBeUndefined();
    expect(earlyStopReason([...history, ...evals(4.1, 4.05)], 2, 4)).toMatch(
      /not improved for 4 evaluations \(best 4.000 at step 20\)/,
    );
  });
});
