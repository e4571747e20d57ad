import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChunkTokenizer } from './chunkTokenizer';
import { chunkTokenizerFromHuggingFace, ForeignTokenizerError } from './huggingFace';
import { trainTokenizer } from './vocabTrainer';

const corpus = (
  JSON.parse(readFileSync('node_modules/nlp-corpus/builds/doc-0.json', 'utf8')) as string[]
).slice(0, 300);

/** The parts of tokenizer.json the refusals below edit. */
interface HfJson {
  model: { type: string; vocab: Record<string, number> };
  added_tokens: { id: number }[];
  pre_tokenizer: unknown;
  normalizer: unknown;
}

describe('chunkTokenizerFromHuggingFace', () => {
  it('rebuilds the tokenizer that toHuggingFaceJson wrote, cased and lowercased', () => {
    for (const lowercase of [true, false]) {
      const tok = trainTokenizer(corpus, { targetSize: 700, lowercase });
      const back = chunkTokenizerFromHuggingFace(JSON.parse(tok.toHuggingFaceJson()));
      expect(back.lowercase).toBe(lowercase);
      expect(back.vocab).toEqual(tok.vocab);
      expect(back.identity()).toBe(tok.identity());
      const text = 'Hello [INST] Σίσυφος 😀 [/INST] world<eos>';
      expect(back.encode(text)).toEqual(tok.encode(text));
    }
  });

  it('keeps astral characters and a vocabulary of only the special tokens and a few characters', () => {
    const tok = new ChunkTokenizer([
      '<pad>',
      '<unk>',
      '<bos>',
      '<eos>',
      '[INST]',
      '[/INST]',
      'a',
      '😀',
      'a😀',
    ]);
    const back = chunkTokenizerFromHuggingFace(JSON.parse(tok.toHuggingFaceJson()));
    expect(back.toJSON()).toEqual(tok.toJSON());
  });

  it('refuses tokenizer.json files of other tokenizers with a clear reason', () => {
    const tok = trainTokenizer(corpus, { targetSize: 300 });
    const good = () => JSON.parse(tok.toHuggingFaceJson()) as HfJson;
    const cases: [string, (j: HfJson) => unknown][] = [
      ['not WordPiece', (j) => ({ ...j, model: { type: 'BPE', vocab: {} } })],
      [
        'ids are not',
        (j) => {
          j.model.vocab.a = 9999;
          return j;
        },
      ],
      [
        'special token <bos>',
        (j) => {
          j.added_tokens = j.added_tokens.filter((a) => a.id !== 2);
          return j;
        },
      ],
      [
        'longest-match split',
        (j) => {
          j.pre_tokenizer = { type: 'Whitespace' };
          return j;
        },
      ],
      [
        'normalizer',
        (j) => {
          j.normalizer = { type: 'NFKC' };
          return j;
        },
      ],
      ['model is missing', () => 'hello'],
    ];
    for (const [reason, mutate] of cases) {
      const run = () => chunkTokenizerFromHuggingFace(mutate(good()));
      expect(run, reason).toThrow(ForeignTokenizerError);
      expect(run, reason).toThrow(reason);
    }
  });
});
