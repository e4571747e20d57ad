import { describe, expect, it } from 'vitest';
import { BINDING_ALIGN_FLOATS } from '../gpu/runtime';
import { PRESETS } from './config';
import { decaySegments, parameterLayout } from './params';

describe('parameterLayout', () => {
  const c = PRESETS['i3-test'];
  const layout = parameterLayout(c);

  it('lists the spec names in order with their shapes', () => {
    const names = layout.tensors.map((t) => t.name);
    expect(names[0]).toBe('model.embed_tokens.weight');
    expect(names.at(-1)).toBe('model.norm.weight');
    expect(names.length).toBe(2 + 19 * c.n_layers);
    expect(names.slice(1, 20)).toEqual(
      [
        'ssm_norm.weight',
        'ssm.in_proj.down.weight',
        'ssm.in_proj.up.weight',
        'ssm.conv.weight',
        'ssm.conv.bias',
        'ssm.x_proj.weight',
        'ssm.dt_proj.weight',
        'ssm.dt_proj.bias',
        'ssm.A_log',
        'ssm.D',
        'ssm.out_proj.down.weight',
        'ssm.out_proj.up.weight',
        'attn_norm.weight',
        'attn.latent.weight',
        'attn.q.weight',
        'attn.k.weight',
        'attn.v.weight',
        'attn.out_proj.down.weight',
        'attn.out_proj.up.weight',
      ].map((n) => `model.layers.0.${n}`),
    );
    expect(layout.byName['model.layers.1.ssm.conv.weight'].shape).toEqual([16, 1, 4]);
    expect(layout.byName['model.layers.1.ssm.x_proj.weight'].shape).toEqual([2 + 8, 16]);
    expect(layout.byName['model.layers.0.ssm.in_proj.up.weight'].shape).toEqual([32, 8]);
  });

  it('aligns every tensor to 64 floats without overlap', () => {
    let end = 0;
    for (const t of layout.tensors) {
      expect(t.offset % BINDING_ALIGN_FLOATS).toBe(0);
      expect(t.offset).toBeGreaterThanOrEqual(end);
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      end = t.offset + t.size;
    }
    expect(layout.totalFloats % BINDING_ALIGN_FLOATS).toBe(0);
    expect(layout.totalFloats - end).toBeLessThan(BINDING_ALIGN_FLOATS);
  });

  it('decays matrices and the embedding only', () => {
    const decayed = layout.tensors
      .filter((t) => t.decay)
      .map((t) => t.name.split('.').slice(-2).join('.'));
    expect(new Set(decayed)).toEqual(
      new Set([
        'embed_tokens.weight',
        'down.weight',
        'up.weight',
        'conv.weight',
        'x_proj.weight',
        'dt_proj.weight',
        'latent.weight',
        'q.weight',
        'k.weight',
        'v.weight',
      ]),
    );
    expect(layout.byName['model.layers.0.ssm.A_log'].decay).toBe(false);
  });

  it('decaySegments covers the buffer and agrees with each tensor', () => {
    const seg = decaySegments(layout);
    expect(seg[0]).toBe(0);
    const flagAt = (i: number) => {
      let f = -1;
      for (let s = 0; s < seg.length; s += 2) if (seg[s] <= i) f = seg[s + 1];
      return f;
    };
    for (let s = 2; s < seg.length; s += 2) {
      expect(seg[s]).toBeGreaterThan(seg[s - 2]);
      expect(seg[s + 1]).not.toBe(seg[s - 1]);
    }
    for (const t of layout.tensors) {
      expect(flagAt(t.offset)).toBe(t.decay ? 1 : 0);
      expect(flagAt(t.offset + t.size - 1)).toBe(t.decay ? 1 : 0);
    }
  });
});
