import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../util/projectPath';
import { stepBreakdown, stepPartOf } from './stepBreakdown';

describe('step breakdown', () => {
  it('places every training kernel in a part of the model, none in "other"', () => {
    // The decoder's and sampler's kernels are not in a training step.
    const inference =
      /^(attention_decode|attention_map|conv_silu|matvec|rmsnorm_matvec|selective_scan_step|sample|logit_odds|token_odds)/;
    const shaders = readdirSync(projectPath('shaders'))
      .map((f) => f.replace(/\.wgsl$/, ''))
      .filter((s) => !inference.test(s));
    expect(shaders.length).toBeGreaterThan(20);
    // column_sum goes with the op whose reduction it finishes (below).
    for (const s of shaders.filter((s) => s !== 'column_sum')) {
      expect([s, stepPartOf(s)]).not.toEqual([s, 'other']);
    }
    expect(stepPartOf('column_sum', 'rmsnorm_backward.column_sum')).toBe('norms');
    expect(stepPartOf('column_sum', 'conv1d_backward.dw.column_sum')).toBe('causal conv');
    expect(stepPartOf('column_sum', 'softplus_bias_backward.column_sum')).toBe('elementwise');
    expect(stepPartOf('selective_scan_backward_reduce')).toBe('selective scan');
    expect(stepPartOf('matmul_split_reduce')).toBe('projections (matmul)');
    expect(stepPartOf('grad_norm')).toBe('optimizer');
  });

  it('sums each part over its launches, a step at a time, in the parts’ order', () => {
    const t = (shader: string, totalMs: number) => ({
      label: shader,
      shader,
      count: 1,
      totalMs,
      medianMs: totalMs,
    });
    const timings = [
      t('adamw', 2),
      t('matmul', 6),
      t('matmul_large', 4),
      t('attention_forward', 1),
    ];
    expect(stepBreakdown(timings, 2)).toEqual([
      { part: 'projections (matmul)', ms: 5 },
      { part: 'attention', ms: 0.5 },
      { part: 'optimizer', ms: 1 },
    ]);
  });
});
