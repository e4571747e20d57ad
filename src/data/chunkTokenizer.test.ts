import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { CHAT_TEMPLATE_JINJA, type ChatMessage, parseTinyChat, renderChat } from './chatTemplate';
import { ChunkTokenizer } from './chunkTokenizer';
import { EOS_ID, INST_END_ID, INST_ID, SPECIAL_TOKENS, UNK_ID } from './specialTokens';
import { trainTokenizer, VocabCounter } from './vocabTrainer';

// English sentences shipped by nlp-corpus: punctuation, digits, odd unicode.
const corpus = JSON.parse(
  readFileSync('node_modules/nlp-corpus/builds/doc-0.json', 'utf8'),
) as string[];

const probes = [
  'Hello, World! 42 apples; 3.14159 — "quoted" (parens) [brackets] {braces} a|b\\c',
  'Line one\nLine two\r\n\tTabbed\n\n',
  'Emoji 😀👍🏽 and ZWJ 👩‍💻 family',
  '[INST] Hi there [/INST] Hello!<eos>[INST] And you? [/INST] Fine.<eos>',
  'x[INST]y<eos><eos>[/INST]<pad><bos><unk>',
  'Unseen: 日本語 ✓ ʕ•ᴥ•ʔ ☃',
  'ΟΔΟΣ ΣΑΣ σίσυφος İstanbul Straße ǅ',
  '   leading and trailing spaces   ',
  '',
];

describe('chunk tokenizer', () => {
  const tok = trainTokenizer(corpus, { targetSize: 1024 });

  it('has the fixed special ids, every character, and chunks of 2-3 characters', () => {
    expect(tok.vocab.slice(0, 6)).toEqual([...SPECIAL_TOKENS]);
    expect(tok.vocabSize).toBe(1024);
    const chars = new Set([...corpus.join('\n').toLowerCase()]);
    for (const c of chars) expect(tok.vocab).toContain(c);
    for (const t of tok.vocab.slice(6)) expect([...t].length).toBeLessThanOrEqual(3);
  });

  it('round-trips seen text exactly (lowercased) and marks unseen characters', () => {
    for (const text of corpus.slice(0, 200)) {
      expect(tok.decode(tok.encode(text))).toBe(text.toLowerCase());
    }
    const ids = tok.encode('a☃b');
    expect([...ids].filter((i) => i === UNK_ID)).toHaveLength(1);
    expect(tok.decode(ids)).toBe('a<unk>b');
    // Which characters those were, once each, in order: lowercased first (É is é, seen or not),
    // an emoji whole, special markers as they are.
    const seen = tok.unknownCharacters('A☃b😀☃ [INST] ok');
    expect(seen).toEqual(['☃', '😀']);
    expect(tok.unknownCharacters('plain seen text')).toEqual([]);
  });

  it('matches markers before chunks and encodes the chat template', () => {
    const ids = tok.encode(
      renderChat([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
      ]),
    );
    expect(ids[0]).toBe(INST_ID);
    expect([...ids]).toContain(INST_END_ID);
    expect(ids[ids.length - 1]).toBe(EOS_ID);
  });

  it('is greedy longest-match 3, 2, 1', () => {
    const vocab = [...SPECIAL_TOKENS, 'a', 'b', 'c', 'd', 'ab', 'abc', 'bcd', 'cd'];
    const t = new ChunkTokenizer(vocab);
    const names = (s: string) => t.tokens(t.encode(s));
    expect(names('abcd')).toEqual(['abc', 'd']);
    expect(names('abd')).toEqual(['ab', 'd']);
    expect(names('bcdab')).toEqual(['bcd', 'ab']);
    expect(names('ABCD')).toEqual(['abc', 'd']);
    expect(
      new ChunkTokenizer(vocab, false).tokens(new ChunkTokenizer(vocab, false).encode('Ab')),
    ).toEqual(['<unk>', 'b']);
  });

  it('is deterministic and independent of pruning order, with a stable identity', () => {
    const again = trainTokenizer(corpus, { targetSize: 1024 });
    expect(again.vocab).toEqual(tok.vocab);
    expect(again.identity()).toBe(tok.identity());
    expect(tok.identity()).toMatch(/^[0-9a-f]{64}$/);
    const cased = trainTokenizer(corpus, { targetSize: 1024, lowercase: false });
    expect(cased.identity()).not.toBe(tok.identity());
    const restored = ChunkTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(restored.identity()).toBe(tok.identity());
  });

  it('keeps memory bounded by pruning rare chunks deterministically', () => {
    const small = new VocabCounter({ targetSize: 300, maxTableEntries: 2000 });
    for (const d of corpus) small.addDocument(d);
    expect(small.prunes).toBeGreaterThan(0);
    expect(small.trackedChunks).toBeLessThanOrEqual(2000);
    const a = small.build();
    const b = new VocabCounter({ targetSize: 300, maxTableEntries: 2000 });
    for (const d of corpus) b.addDocument(d);
    expect(b.build().vocab).toEqual(a.vocab);
    // Frequent chunks survive pruning (counts of survivors are lower bounds, so ranks near the
    // cut may move): most chosen chunks agree with an unpruned count.
    const full = new Set(trainTokenizer(corpus, { targetSize: 300 }).vocab);
    const agree = a.vocab.filter((t) => full.has(t)).length;
    expect(agree / a.vocabSize).toBeGreaterThan(0.9);
  });

  for (const lowercase of [true, false]) {
    it(`gives the same ids as @huggingface/tokenizers (lowercase ${lowercase})`, () => {
      const t = trainTokenizer([...corpus, ...probes], { targetSize: 4466, lowercase });
      const hf = new Tokenizer(JSON.parse(t.toHuggingFaceJson()), {
        clean_up_tokenization_spaces: false,
      });
      // Train on a subset so that some characters of the probes are unseen.
      const partial = trainTokenizer(corpus.slice(0, 50), { targetSize: 600, lowercase });
      const hfPartial = new Tokenizer(JSON.parse(partial.toHuggingFaceJson()), {
        clean_up_tokenization_spaces: false,
      });
      const cases = [...probes, ...corpus.slice(0, 300), probes.join('\n')];
      for (const [ours, theirs] of [
        [t, hf],
        [partial, hfPartial],
      ] as const) {
        for (const text of cases) {
          const ids = [...ours.encode(text)];
          expect(theirs.encode(text).ids, text).toEqual(ids);
          if (ids.length > 0) expect(theirs.decode(ids)).toBe(ours.decode(ids));
        }
      }
      expect([...partial.encode(probes.join(''))]).toContain(UNK_ID);
    });
  }
});

describe('chat template', () => {
  const conversations: ChatMessage[][] = [
    [
      { role: 'user', content: ' Hi! ' },
      { role: 'assistant', content: 'Hello.' },
    ],
    [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why?' },
      { role: 'assistant', content: 'Because.' },
      { role: 'user', content: 'Ok' },
    ],
  ];

  it('renders [INST] user [/INST] assistant<eos> per turn', () => {
    expect(renderChat(conversations[0])).toBe('[INST] Hi! [/INST] Hello.<eos>');
    expect(renderChat(conversations[1])).toBe(
      '[INST] Be brief.\n\nWhy? [/INST] Because.<eos>[INST] Ok [/INST]',
    );
  });

  it('has a Jinja form that renders the same', () => {
    const template = new Template(CHAT_TEMPLATE_JINJA);
    for (const messages of conversations) {
      expect(template.render({ messages })).toBe(renderChat(messages));
    }
  });

  it('parses TinyChat lines', () => {
    expect(parseTinyChat('[INST] hi [/INST] hello [INST] bye [/INST] ciao</s>')).toEqual([
      { role: 'user', content: ' hi ' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: ' bye ' },
      { role: 'assistant', content: 'ciao' },
    ]);
    expect(parseTinyChat('plain text')).toBeNull();
    expect(parseTinyChat('[INST] no closing marker')).toBeNull();
  });
});
