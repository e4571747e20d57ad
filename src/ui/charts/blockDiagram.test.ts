import { describe, expect, it } from 'vitest';
import { PRESETS, parameterCount } from '../../model/config';
import { blockDiagram } from './blockDiagram';

describe('blockDiagram', () => {
  it('counts every parameter in one step, blocks times their count', () => {
    for (const c of Object.values(PRESETS)) {
      const d = blockDiagram(c);
      const sum = (steps: { params: number }[]) => steps.reduce((n, s) => n + s.params, 0);
      const total = d.input.params + d.layers * (sum(d.ssm) + sum(d.attention)) + sum(d.output);
      expect(total).toBe(parameterCount(c));
      expect(d.layers).toBe(c.n_layers);
    }
  });

  it('writes the spec’s shapes with the config’s numbers', () => {
    const d = blockDiagram(PRESETS['i3-22m']);
    expect(d.input.shape).toBe('token → 512  (4466 × 512)');
    expect(d.ssm.map((s) => s.label)).toEqual([
      'RMSNorm',
      'in_proj, low rank',
      'causal conv, SiLU',
      'x_proj',
      'dt_proj, softplus',
      'selective scan',
      'gate',
      'out_proj, low rank',
    ]);
    expect(d.ssm[1].shape).toBe('512 → 128 → 2 × 512: u, z');
    expect(d.ssm[3].shape).toBe('512 → 32 + 64 + 64: δ, B, C');
    expect(d.ssm[5]).toEqual({
      label: 'selective scan',
      shape: '512 channels × 64 states',
      params: 512 * 64 + 512,
    });
    expect(d.attention[3].shape).toBe('16 heads of 32');
    expect(d.attention[2].params).toBe(3 * 512 * 128);
    expect(d.output[1]).toEqual({
      label: 'head, tied to the embedding',
      shape: '512 → 4466 logits',
      params: 0,
    });
  });
});
