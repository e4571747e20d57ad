import { describe, expect, it } from 'vitest';
import { renderChat } from '../data/chatTemplate';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { EOS_ID, INST_END_ID, SPECIAL_TOKENS } from '../data/specialTokens';
import { healPrompt } from '../data/tokenHealing';
import { testRuntime } from '../gpu/testing';
import type { CheckpointMeta } from '../train/checkpoint';
import { presetConfig } from './config';
import type { PromptScore } from './decode';
import { I3Decoder } from './decode';
import { initParameters } from './init';
import { referenceLogits } from './reference';
import {
  generateText,
  generationTokenizer,
  promptAttention,
  promptIds,
  promptPieces,
  type TextAttention,
} from './textGeneration';

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
    const { ids, dropped, latest } = promptIds(
      tokenizer,
      { mode: 'completion', text: 'in th' },
      16,
      4,
    );
    expect(Array.from(ids)).toEqual([EOS_ID, ...tokenizer.encode('in th')]);
    expect(dropped).toBe(0);
    expect(latest).toBe(1);
    // Characters outside the vocabulary: of the latest text only.
    expect(promptIds(tokenizer, { mode: 'completion', text: 'in th' }, 16, 4).unknown).toEqual([]);
    expect(promptIds(tokenizer, { mode: 'completion', text: 'Ünd ü!' }, 16, 4).unknown).toEqual([
      'ü',
      '!',
    ]);
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
    // The latest message: its tokens between the last [INST] and the closing [/INST].
    const hi = tokenizer.decode(Array.from(chat.ids.subarray(chat.latest, -1)));
    expect(hi.trim()).toBe('hi');
    expect(chat.unknown).toEqual([]);
    const asked = [...messages.slice(0, 4), { role: 'user' as const, content: 'hi?' }];
    expect(promptIds(tokenizer, { mode: 'chat', messages: asked }, 256, 8).unknown).toEqual(['?']);
    expect(promptIds(tokenizer, { mode: 'chat', messages }, 256, 8).dropped).toBe(0);
    expect(() => promptIds(tokenizer, { mode: 'chat', messages: [] }, 16, 8)).toThrow(/user/);

    // A system message stays before the turns kept, and is not counted as left out.
    const system = { role: 'system' as const, content: 'be kind' };
    const withSystem = promptIds(
      tokenizer,
      { mode: 'chat', messages: [system, ...messages] },
      24,
      8,
    );
    expect(withSystem.dropped).toBe(4);
    const last = [system, messages[4]];
    expect(Array.from(withSystem.ids)).toEqual([EOS_ID, ...tokenizer.encode(renderChat(last))]);
    const all = promptIds(tokenizer, { mode: 'chat', messages: [system, ...messages] }, 256, 8);
    expect(all.dropped).toBe(0);
    expect(Array.from(all.ids.subarray(1))).toEqual(
      Array.from(tokenizer.encode(renderChat([system, ...messages]))),
    );
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

describe('the reply’s attention', () => {
  it('maps where the reply’s tokens looked, once it ends, as the reference forward does', async () => {
    const rt = await testRuntime();
    const decoder = await I3Decoder.create(rt, config);
    const params = initParameters(config, 5);
    decoder.loadParams(params);
    const { ids } = promptIds(tokenizer, { mode: 'completion', text: 'it is in th' }, 16, 6);
    const healed = healPrompt(tokenizer, ids);
    if (!healed) throw new Error('the prompt should be healed');
    const options = { sampling: { temperature: 0.9, seed: 3 }, maxNewTokens: 6, stopTokens: [] };
    const collect = async (onReplyAttention?: (a: TextAttention) => void) => {
      const texts: string[] = [];
      const all = { ...options, onReplyAttention };
      for await (const p of generateText(decoder, tokenizer, ids, all)) texts.push(p.text);
      return texts;
    };
    let reply: TextAttention | undefined;
    const texts = await collect((a) => {
      reply = a;
    });
    // The maps come after the reply, which is the one drawn without them.
    expect(texts).toEqual(await collect());
    // The reply's tokens as the decoder draws them after the healed prompt (the token taken back
    // is drawn again first), and the maps the reference forward makes of prompt and reply.
    decoder.reset();
    const drawn: number[] = [];
    for await (const t of decoder.generate(healed.ids, {
      ...options,
      firstTokens: healed.allowed,
    })) {
      drawn.push(t.id);
    }
    const all = Uint32Array.of(...healed.ids, ...drawn);
    const P = all.length; // within the i3-test window of 16
    const maps: Float64Array[] = [];
    referenceLogits(config, params, all, 1, P, undefined, maps);
    const start = healed.ids.length;
    const size = drawn.length;
    expect(reply?.size).toBe(size);
    expect(reply?.layers).toBe(config.n_layers);
    // fp32 scores against float64, as the decoder's maps are checked (decode.test.ts): 1e-4.
    for (let l = 0; l < config.n_layers; l++) {
      for (let i = 0; i < size; i++) {
        let inside = 0;
        for (let j = 0; j <= i; j++) {
          const want = maps[l][(start + i) * P + start + j];
          expect(Math.abs((reply?.weights[(l * size + i) * size + j] ?? 0) - want)).toBeLessThan(
            1e-4,
          );
          inside += want;
        }
        expect(Math.abs((reply?.elsewhere[l * size + i] ?? 0) - (1 - inside))).toBeLessThan(1e-4);
      }
    }
    decoder.destroy();
  });
});

describe('the prompt’s odds', () => {
  it('are each prompt token’s, the healed one’s included, and leave the reply as it was', async () => {
    const rt = await testRuntime();
    const decoder = await I3Decoder.create(rt, config);
    decoder.loadParams(initParameters(config, 4));
    const prompt = promptIds(tokenizer, { mode: 'completion', text: 'it is in th' }, 16, 6);
    const { ids } = prompt;
    expect(healPrompt(tokenizer, ids)).toBeDefined();
    const options = { sampling: { temperature: 0.9, seed: 2 }, maxNewTokens: 6, stopTokens: [] };
    const collect = async (
      onPromptScore?: (score: PromptScore) => void,
      promptAttention = false,
    ) => {
      const texts: string[] = [];
      const all = { ...options, onPromptScore, promptAttention };
      for await (const p of generateText(decoder, tokenizer, ids, all)) texts.push(p.text);
      return texts;
    };
    let score: PromptScore = { odds: [] };
    const scored = await collect((o) => {
      score = o;
    });
    const { odds } = score;
    // Scoring leaves the context as generating alone does: the same seeded reply.
    expect(scored).toEqual(await collect());
    // The attention maps only where asked for, and the odds and the reply the same with them.
    expect(score.attention).toBeUndefined();
    const mapped = await collect((o) => {
      score = o;
    }, true);
    expect(mapped).toEqual(scored);
    expect(score.odds).toEqual(odds);
    expect(score.attention?.weights.length).toBeGreaterThan(0);
    // The healed prompt's tokens and the one taken back, as the unhealed prompt scores them.
    decoder.reset();
    const whole = (await decoder.appendScored(ids)).odds;
    expect(odds).toHaveLength(ids.length - 1);
    odds.forEach((o, i) => {
      expect(o.rank, `token ${i + 1}`).toBe(whole[i].rank);
      expect(o.prob, `token ${i + 1}`).toBeCloseTo(whole[i].prob, 6);
    });
    // A completion's pieces are its whole text, as the model read it.
    const pieces = promptPieces(tokenizer, prompt, odds);
    expect(pieces.map((p) => p.text).join('')).toBe('it is in th');
    expect(pieces.map(({ prob, rank }) => ({ prob, rank }))).toEqual(odds);
    // A chat's are its latest message's.
    const messages = [
      { role: 'user' as const, content: 'the one' },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: 'an ant' },
    ];
    const chat = promptIds(tokenizer, { mode: 'chat', messages }, 64, 6);
    const chatOdds = Array.from(chat.ids.subarray(1), (_, i) => ({ prob: i, rank: i }));
    const chatPieces = promptPieces(tokenizer, chat, chatOdds);
    expect(
      chatPieces
        .map((p) => p.text)
        .join('')
        .trim(),
    ).toBe('an ant');
    expect(chatPieces[0]).toEqual({ ...chatOdds[chat.latest - 1], text: chatPieces[0].text });
    decoder.destroy();
  });

  it('cut to the latest text: where its tokens looked, and what went to the rest', async () => {
    const messages = [
      { role: 'user' as const, content: 'the one' },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: 'an ant is it' },
    ];
    const chat = promptIds(tokenizer, { mode: 'chat', messages }, 64, 6);
    const n = chat.ids.length;
    const size = n - 1 - chat.latest; // up to the closing [/INST]
    // Maps in which every token looks evenly at itself and all before it, in 2 blocks.
    const uniform = (P: number) => {
      const weights = new Float32Array(2 * P * P);
      for (let l = 0; l < 2; l++) {
        for (let i = 0; i < P; i++) {
          for (let j = 0; j <= i; j++) weights[(l * P + i) * P + j] = 1 / (i + 1);
        }
      }
      return { size: P, weights };
    };
    const a = promptAttention(chat, uniform(n));
    expect(a.layers).toBe(2);
    expect(a.size).toBe(size);
    for (let l = 0; l < 2; l++) {
      for (let i = 0; i < size; i++) {
        const at = chat.latest + i;
        expect(a.weights[(l * size + i) * size]).toBeCloseTo(1 / (at + 1), 6);
        expect(a.weights[(l * size + i) * size + i]).toBeCloseTo(1 / (at + 1), 6);
        if (i + 1 < size) expect(a.weights[(l * size + i) * size + i + 1]).toBe(0);
        // The earlier turns and the template: the tokens before the latest text.
        expect(a.elsewhere[l * size + i]).toBeCloseTo(chat.latest / (at + 1), 6);
      }
    }
    // A prompt longer than the window: only the tokens within it have maps.
    expect(promptAttention(chat, uniform(chat.latest + 2)).size).toBe(2);
  });
});
