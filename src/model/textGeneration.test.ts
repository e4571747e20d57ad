import { describe, expect, it } from 'vitest';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { EOS_ID, INST_END_ID, SPECIAL_TOKENS } from '../data/specialTokens';
import { healPrompt } from '../data/tokenHealing';
import { testRuntime } from '../gpu/testing';
import type { CheckpointMeta } from '../train/checkpoint';
import { presetConfig } from './config';
import { I3Decoder } from './decode';
import { initParameters } from './init';
import { generateText, generationTokenizer, promptIds } from './textGeneration';

// The i3-test preset's 64 tokens: the special ones, 39 characters and 19 chunks ("th" extends to
// "the", so a prompt ending in "th" is healed).
const tokenizer = new ChunkTokenizer([
  ...SPECIAL_TOKENS,
  ...'abcdefghijklmnopqrstuvwxyz0123456789 .,'.split(''),
  ...['th', 'the', 'he', 'an', 'in', 'er', 'on', 're', 'at', 'en', 'nd', 'ti', 'es', 'or'],
  ...['te', 'of', 'ed', 'is', 'it'],
]);
const config = presetConfig('i3-test', { vocab_size: tokenizer.vocabSize });

describe('prompt ids', () => {
  it('start after an <eos>, as a document does; a chat keeps the latest turns that fit', () => {
    const { ids, dropped } = promptIds(tokenizer, { mode: 'completion', text: 'in th' }, 16, 4);
    expect(Array.from(ids)).toEqual([EOS_ID, ...tokenizer.encode('in th')]);
    expect(dropped).toBe(0);
    const turn = (content: string) => [
      { role: 'user' as const, content },
      { role: 'assistant' as const, content: 'ok' },
    ];
    const messages = [
      ...turn('the first one'),
      ...turn('a second'),
      { role: 'user' as const, content: 'hi' },
    ];
    // A window of 16 with room for 8 new tokens keeps the last user message only.
    const chat = promptIds(tokenizer, { mode: 'chat', messages }, 16, 8);
    expect(chat.dropped).toBe(4);
    expect(chat.ids[chat.ids.length - 1]).toBe(INST_END_ID);
    expect(promptIds(tokenizer, { mode: 'chat', messages }, 256, 8).dropped).toBe(0);
    expect(() => promptIds(tokenizer, { mode: 'chat', messages: [] }, 16, 8)).toThrow(/user/);
  });
});

describe('a checkpoint to generate from', () => {
  it('gives its tokenizer, or says why its text cannot be generated', () => {
    // Checkpoints saved before tokenizers were kept have none.
    const meta = { config, tokenizer: tokenizer.toJSON() } as unknown as CheckpointMeta;
    expect(generationTokenizer(meta).identity()).toBe(tokenizer.identity());
    expect(() =>
      generationTokenizer({ ...meta, tokenizer: undefined } as unknown as CheckpointMeta),
    ).toThrow(/saved without its tokenizer/);
    const wider = { ...meta, config: { ...config, vocab_size: 65 } };
    expect(() => generationTokenizer(wider)).toThrow(/has 64 tokens but its model 65/);
    const invalid = { ...meta, config: { ...config, d_model: 0 } };
    expect(() => generationTokenizer(invalid)).toThrow(/model config is invalid/);
  });
});

describe('generated text', () => {
  it('heals a prompt that ends inside a chunk and shows only the text after it', async () => {
    const rt = await testRuntime();
    const decoder = await I3Decoder.create(rt, config);
    decoder.loadParams(initParameters(config, 3));
    const { ids } = promptIds(tokenizer, { mode: 'completion', text: 'in th' }, 16, 6);
    const healed = healPrompt(tokenizer, ids);
    expect(healed?.prefix).toBe('th');
    const options = { sampling: { temperature: 0, seed: 1 }, maxNewTokens: 6, stopTokens: [] };
    // The decoder's own tokens for the healed prompt, and the text generateText makes of them.
    const tokens: number[] = [];
    for await (const t of decoder.generate(healed?.ids ?? ids, {
      ...options,
      firstTokens: healed?.allowed,
    })) {
      tokens.push(t.id);
    }
    expect(['th', 'the']).toContain(tokenizer.vocab[tokens[0]]);
    const texts: string[] = [];
    const gen = generateText(decoder, tokenizer, ids, options);
    for (let next = await gen.next(); ; next = await gen.next()) {
      if (next.done) {
        expect(next.value).toBe('length');
        break;
      }
      texts.push(next.value.text);
    }
    expect(texts).toEqual(tokens.map((t, i) => tokenizer.vocab[t].slice(i === 0 ? 2 : 0)));
    decoder.destroy();
  });
});
