import { describe, expect, it } from 'vitest';
import { ChunkTokenizer } from './chunkTokenizer';
import { EOS_ID, INST_END_ID, SPECIAL_TOKENS } from './specialTokens';
import { healPrompt } from './tokenHealing';

// Letters, space, and the chunks the prompt "this movie was" meets: greedy matching ends it in
// "as", where text that goes on would have "as " (or "ast").
const tokenizer = new ChunkTokenizer([
  ...SPECIAL_TOKENS,
  ...'abcdefghijklmnopqrstuvwxyz .'.split(''),
  'thi',
  's m',
  'ovi',
  'e w',
  'as',
  'as ',
  'ast',
  'was',
]);
const encode = (text: string) => Uint32Array.of(EOS_ID, ...tokenizer.encode(text));

describe('token healing', () => {
  it('takes back the last token and allows exactly the tokens that start with its text', () => {
    const ids = encode('this movie was');
    expect(tokenizer.tokens(ids.subarray(1))).toEqual(['thi', 's m', 'ovi', 'e w', 'as']);
    const healed = healPrompt(tokenizer, ids);
    expect(healed?.prefix).toBe('as');
    expect(Array.from(healed?.ids ?? [])).toEqual(Array.from(ids.subarray(0, -1)));
    const allowedText = healed?.allowed.map((id) => tokenizer.vocab[id]).sort();
    expect(allowedText).toEqual(['as', 'as ', 'ast']);
  });

  it('leaves alone a prompt of one token, a special last token, and a chunk nothing extends', () => {
    expect(healPrompt(tokenizer, Uint32Array.of(EOS_ID))).toBeUndefined();
    expect(healPrompt(tokenizer, Uint32Array.of(EOS_ID, INST_END_ID))).toBeUndefined();
    // "ast" is the only token starting with "ast".
    const ids = encode('last');
    expect(tokenizer.vocab[ids[ids.length - 1]]).toBe('ast');
    expect(healPrompt(tokenizer, ids)).toBeUndefined();
  });
});
