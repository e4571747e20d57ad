import { describe, expect, it } from 'vitest';
import {
  bitsPerCharacter,
  oddsColor,
  oddsLevel,
  oddsTitle,
  textPerplexity,
  textScores,
  trimPiecesStart,
} from './tokenOdds';

const piece = (text: string, prob: number, rank = 1) => ({ text, prob, rank });

describe('token odds in the chat', () => {
  it('places probabilities on a log scale from the floor to certainty', () => {
    expect(oddsLevel(1)).toBe(1);
    expect(oddsLevel(1e-3)).toBe(0);
    expect(oddsLevel(1e-6)).toBe(0);
    expect(oddsLevel(Number.NaN)).toBe(0);
    expect(oddsLevel(10 ** -1.5)).toBeCloseTo(0.5, 12);
    expect(oddsColor(1)).toBe('hsl(130 65% var(--odds-lightness))');
    expect(oddsColor(1e-4)).toBe('hsl(0 65% var(--odds-lightness))');
  });

  it('says how likely a token was and where it ranked', () => {
    expect(oddsTitle(piece('a', 0.4321))).toBe('43% · the model’s first choice');
    expect(oddsTitle(piece('a', 0.0123, 4))).toBe('1.2% · its choice no. 4');
    expect(oddsTitle(piece('a', 0.00002, 900))).toBe('2e-3% · its choice no. 900');
  });

  it('gives a reply the perplexity of its tokens', () => {
    expect(textPerplexity([])).toBeUndefined();
    expect(textPerplexity([piece('a', 0.5), piece('b', 0.5)])).toBeCloseTo(2, 12);
    expect(textPerplexity([piece('a', 1), piece('b', 0.25)])).toBeCloseTo(2, 12);
  });

  it('leaves out a reply’s leading whitespace, token by token', () => {
    const pieces = [piece(' ', 0.9), piece('\n Hi', 0.5), piece(' there', 0.2)];
    expect(trimPiecesStart(pieces)).toEqual([piece('Hi', 0.5), piece(' there', 0.2)]);
    expect(trimPiecesStart([piece('  ', 0.1)])).toEqual([]);
  });

  it('scores a text in bits per character, whatever the tokens', () => {
    expect(bitsPerCharacter([])).toBeUndefined();
    // 2 + 3 bits over 4 characters (the emoji is one).
    expect(bitsPerCharacter([piece('ab', 0.25), piece('c😀', 0.125)])).toBeCloseTo(5 / 4, 12);
  });

  it('compares models by perplexity where they read the same tokens, else by bits a character', () => {
    const a = [piece('the', 0.5), piece(' cat', 0.25)];
    const b = [piece('the', 0.1), piece(' cat', 0.1)];
    expect(textScores([a, b])).toEqual({
      metric: 'perplexity',
      values: [textPerplexity(a), textPerplexity(b)],
    });
    // Another tokenizer reads the same text as other tokens: per-token figures do not compare.
    const c = [piece('th', 0.5), piece('e cat', 0.5)];
    const scores = textScores([a, c]);
    expect(scores.metric).toBe('bits per character');
    expect(scores.values[0]).toBeCloseTo(3 / 7, 12);
    expect(scores.values[1]).toBeCloseTo(2 / 7, 12);
    // A model with nothing read yet has no score.
    expect(textScores([a, []]).values[1]).toBeUndefined();
  });
});
