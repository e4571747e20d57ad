import { describe, expect, it } from 'vitest';
import {
  type I3Config,
  PRESETS,
  type PresetName,
  parameterCount,
  presetConfig,
  validateConfig,
} from './config';
import { parameterLayout } from './params';

describe('I3Config', () => {
  it('pins the spec count for i3-22m with V = 4466', () => {
    expect(parameterCount(PRESETS['i3-22m'])).toBe(22_844_928);
  });

  for (const name of Object.keys(PRESETS) as PresetName[]) {
    it(`${name}: valid, and the formula equals the layout's tensor sizes`, () => {
      const c = PRESETS[name];
      expect(validateConfig(c)).toEqual([]);
      const sum = parameterLayout(c).tensors.reduce((s, t) => s + t.size, 0);
      expect(parameterCount(c)).toBe(sum);
    });
  }

  it('lets callers override the tokenizer vocabulary', () => {
    const c = presetConfig('i3-tiny', { vocab_size: 5000 });
    expect(c.vocab_size).toBe(5000);
    expect(PRESETS['i3-tiny'].vocab_size).toBe(4466);
    expect(parameterCount(c) - parameterCount(PRESETS['i3-tiny'])).toBe(534 * 128);
  });

  it('explains what is wrong', () => {
    const bad = (o: Partial<I3Config>) => validateConfig({ ...PRESETS['i3-22m'], ...o });
    expect(bad({ d_model: 100 })).toContain('d_model (100) must be divisible by n_heads (16)');
    expect(bad({ n_layers: 0 })).toContain('n_layers (0) must be a positive integer');
    expect(bad({ rank: 2.5 })).toContain('rank (2.5) must be a positive integer');
    expect(bad({ rank: 1024 })[0]).toMatch(/^rank \(1024\) must be at most d_model \(512\)/);
    expect(bad({ dt_rank: 600 })).toEqual(['dt_rank (600) must be at most d_model (512)']);
    expect(bad({ d_state: 6 })).toEqual([
      'd_state (6) must be a multiple of 4: the scan holds states in fours',
    ]);
    const headRule =
      'must be a multiple of 4 and at most 128: attention holds a head row in registers in fours';
    expect(bad({ n_heads: 256 })).toEqual([`head dim d_model / n_heads (2) ${headRule}`]);
    expect(bad({ n_heads: 2 })).toEqual([`head dim d_model / n_heads (256) ${headRule}`]);
    expect(bad({ n_heads: 64 })).toEqual([]);
    expect(bad({ norm_eps: 0 })).toEqual(['norm_eps (0) must be a positive finite number']);
    expect(bad({ tie_word_embeddings: false })[0]).toMatch(
      /^tie_word_embeddings \(false\) must be true/,
    );
    expect(bad({ vocab_size: Number.NaN as number })).toEqual([
      'vocab_size (NaN) must be a positive integer',
    ]);
  });
});
