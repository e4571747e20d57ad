import { describe, expect, it } from 'vitest';
import { BINDING_ALIGN_FLOATS } from '../gpu/runtime';
import { PRESETS, parameterCount } from './config';
import { decaySegments, gradientParts, parameterGroups, parameterLayout } from './params';

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

describe('parameterGroups', () => {
  it('splits the count by part: every parameter in one, the spec formula’s total', () => {
    for (const name of ['i3-test', 'i3-22m'] as const) {
      const c = PRESETS[name];
      const groups = parameterGroups(c);
      expect(groups.reduce((a, g) => a + g.count, 0)).toBe(parameterCount(c));
      const { vocab_size: V, d_model: D, n_layers: L, rank: r, d_state: N, dt_rank: R } = c;
      const K = c.d_conv;
      const by = Object.fromEntries(groups.map((g) => [g.group, g.count]));
      expect(by['embedding (and the tied head)']).toBe(V * D);
      expect(by.norms).toBe((2 * L + 1) * D);
      // latent, q, k, v and the out-projection's pair: six products of rank r.
      expect(by.attention).toBe(L * 6 * D * r);
      // in_proj (down, up to 2D), x_proj, dt_proj, out_proj (down, up).
      expect(by['SSM projections']).toBe(L * (3 * D * r + D * (R + 2 * N) + R * D + 2 * D * r));
      expect(by['SSM conv, Δ bias, A and D']).toBe(L * (K * D + D + D + D * N + D));
    }
  });
});

describe('gradientParts', () => {
  it('splits the layout into the embedding, each block’s two halves and the final norm', () => {
    const c = PRESETS['i3-22m'];
    const layout = parameterLayout(c);
    const parts = gradientParts(c);
    expect(parts.length).toBe(2 * c.n_layers + 2);
    expect(parts.map((p) => p.name).slice(0, 4)).toEqual([
      'embedding',
      'block 0 SSM',
      'block 0 attention',
      'block 1 SSM',
    ]);
    expect(parts.at(-1)).toEqual({
      name: 'final norm',
      start: layout.byName['model.norm.weight'].offset,
    });
    // Every tensor lies in the one part its name says, from the part's start to the next one's.
    const partOf = (offset: number) => parts.findLast((p) => p.start <= offset)!.name;
    for (const t of layout.tensors) {
      const block = /^model\.layers\.(\d+)\.(ssm|attn)/.exec(t.name);
      const want = block
        ? `block ${block[1]} ${block[2] === 'ssm' ? 'SSM' : 'attention'}`
        : t.name === 'model.norm.weight'
          ? 'final norm'
          : 'embedding';
      expect(partOf(t.offset)).toBe(want);
      expect(partOf(t.offset + t.size - 1)).toBe(want);
    }
  });
});
