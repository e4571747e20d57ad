import { describe, expect, it } from 'vitest';
import type { TextAttention } from '../../model/textGeneration';
import { ALL_BLOCKS, attentionCaption, attentionRow } from './tokenAttention';

// Two blocks over a text of three tokens: block 0 looks back at the first token, block 1 at
// itself; each gives the rest of the context a tenth.
const attention: TextAttention = {
  layers: 2,
  size: 3,
  weights: Float32Array.from([
    ...[0.9, 0, 0, 0.6, 0.3, 0, 0.5, 0.2, 0.2],
    ...[0.9, 0, 0, 0.1, 0.8, 0, 0.1, 0.1, 0.7],
  ]),
  elsewhere: new Float32Array(6).fill(0.1),
};
const pieces = ['the', ' cat', ' sat'].map((text) => ({ text, prob: 0.5, rank: 1 }));

describe('a prompt token’s attention', () => {
  it('reads one block’s row, or all blocks averaged, up to the token itself', () => {
    expect(Array.from(attentionRow(attention, 1, 2)!.weights)).toEqual(
      [0.1, 0.1, 0.7].map((w) => expect.closeTo(w, 6)),
    );
    const mean = attentionRow(attention, ALL_BLOCKS, 1)!;
    expect(Array.from(mean.weights)).toEqual([0.35, 0.55].map((w) => expect.closeTo(w, 6)));
    expect(mean.elsewhere).toBeCloseTo(0.1, 6);
    expect(attentionRow(attention, 0, 3)).toBeUndefined();
  });

  it('says where most of it went', () => {
    const rest = 'the rest of the context';
    expect(attentionCaption(pieces, 2, attentionRow(attention, 0, 2)!, rest)).toBe(
      '‘sat’ looked most at ‘the’ (50%), 10% at the rest of the context',
    );
    expect(attentionCaption(pieces, 1, attentionRow(attention, 1, 1)!, rest)).toBe(
      '‘cat’ looked most at itself (80%), 10% at the rest of the context',
    );
    const away = { weights: Float32Array.from([0.2, 0.1]), elsewhere: 0.7 };
    expect(attentionCaption(pieces, 1, away, rest)).toBe(
      '‘cat’ looked most at the rest of the context (70%)',
    );
  });
});
