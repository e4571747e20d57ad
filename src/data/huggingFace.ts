// The chunk tokenizer as Hugging Face tokenizer.json / tokenizer_config.json objects.
//
// Greedy 3-2-1 longest match is reproduced by the pre-tokenizer, not by the model: a Split regex
// (behavior Isolated) whose alternatives form a trie of the vocabulary, so that at every position
// the backtracking engine (Oniguruma in Rust, RegExp in tokenizers.js) takes the longest token
// that starts there, or one character when the character is unknown. Each piece is then exactly
// one token, which WordPiece looks up whole (unknown single characters become <unk>, one each).
// Special markers are added tokens, cut out of the raw text before normalisation, as our encoder
// does. docs/tokenizer.md gives the reasons against the alternatives.

import { CHAT_TEMPLATE_JINJA } from './chatTemplate';
import { ChunkTokenizer } from './chunkTokenizer';
import { SPECIAL_TOKENS, UNK_ID } from './specialTokens';

interface TrieNode {
  terminal: boolean;
  children: Map<number, TrieNode>;
}

/** Regex atom for one code point; ASCII letters and digits stay literal, the rest is \x{...}. */
function atom(cp: number): string {
  const isAlnum = (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  return isAlnum ? String.fromCodePoint(cp) : `\\x{${cp.toString(16).toUpperCase()}}`;
}

function alternatives(node: TrieNode): string[] {
  return [...node.children.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cp, child]) => {
      if (child.children.size === 0) return atom(cp);
      // Greedy optional when the prefix is itself a token: longer matches are tried first and
      // the engine backs off to the prefix; a non-token prefix must be followed by more.
      const rest = `(?:${alternatives(child).join('|')})`;
      return atom(cp) + rest + (child.terminal ? '?' : '');
    });
}

/** The Split pattern: longest vocabulary token at each position, else one code point. */
export function longestMatchPattern(tokens: readonly string[]): string {
  const root: TrieNode = { terminal: false, children: new Map() };
  for (const token of tokens) {
    let node = root;
    for (const ch of token) {
      const cp = ch.codePointAt(0)!;
      let next = node.children.get(cp);
      if (!next) {
        next = { terminal: false, children: new Map() };
        node.children.set(cp, next);
      }
      node = next;
    }
    node.terminal = true;
  }
  return [...alternatives(root), '[\\s\\S]'].join('|');
}

export function huggingFaceTokenizerJson(vocab: readonly string[], lowercase: boolean): object {
  const plain = vocab.slice(SPECIAL_TOKENS.length);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: lowercase
      ? {
          type: 'Sequence',
          normalizers: [
            { type: 'Replace', pattern: { String: 'Σ' }, content: 'σ' },
            { type: 'Lowercase' },
          ],
        }
      : null,
    pre_tokenizer: {
      type: 'Split',
      pattern: { Regex: longestMatchPattern(plain) },
      behavior: 'Isolated',
      invert: false,
    },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS[UNK_ID],
      continuing_subword_prefix: '',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, id) => [t, id])),
    },
  };
}

/** special_tokens_map.json: the role of each special marker for transformers. */
export function huggingFaceSpecialTokensMap(): object {
  const [pad, unk, bos, eos] = SPECIAL_TOKENS;
  return {
    pad_token: pad,
    unk_token: unk,
    bos_token: bos,
    eos_token: eos,
    additional_special_tokens: SPECIAL_TOKENS.slice(4),
  };
}

/** tokenizer_config.json: ids and markers for transformers, no space clean-up on decode. */
export function huggingFaceTokenizerConfig(maxLength: number): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: maxLength,
    ...huggingFaceSpecialTokensMap(),
    clean_up_tokenization_spaces: false,
    add_bos_token: false,
    add_eos_token: false,
    chat_template: CHAT_TEMPLATE_JINJA,
  };
}

/** Why a tokenizer.json cannot be read back as a chunk tokenizer. */
export class ForeignTokenizerError extends Error {
  constructor(reason: string) {
    super(`tokenizer.json is not an i3 chunk tokenizer: ${reason}`);
    this.name = 'ForeignTokenizerError';
  }
}

interface TokenizerJsonShape {
  added_tokens?: { id: number; content: string }[];
  normalizer?: { type?: string } | null;
  pre_tokenizer?: { type?: string; pattern?: { Regex?: string } } | null;
  model?: { type?: string; vocab?: Record<string, number> };
}

/**
 * The inverse of huggingFaceTokenizerJson: the ChunkTokenizer a tokenizer.json was written from.
 * The pre-tokenizer pattern is checked against the vocabulary, so a WordPiece tokenizer of any
 * other kind is refused rather than rebuilt into one that gives different ids.
 */
export function chunkTokenizerFromHuggingFace(json: unknown): ChunkTokenizer {
  const j = (json ?? {}) as TokenizerJsonShape;
  if (j.model?.type !== 'WordPiece' || typeof j.model.vocab !== 'object' || !j.model.vocab) {
    throw new ForeignTokenizerError(`its model is ${j.model?.type ?? 'missing'}, not WordPiece`);
  }
  const entries = Object.entries(j.model.vocab);
  const vocab: string[] = new Array(entries.length);
  for (const [token, id] of entries) {
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || vocab[id] !== undefined) {
      throw new ForeignTokenizerError(`its ids are not 0…${entries.length - 1}, one per token`);
    }
    vocab[id] = token;
  }
  const added = j.added_tokens ?? [];
  SPECIAL_TOKENS.forEach((s, id) => {
    if (vocab[id] !== s || !added.some((a) => a.id === id && a.content === s)) {
      throw new ForeignTokenizerError(`token ${id} must be the special token ${s}`);
    }
  });
  const pattern = j.pre_tokenizer?.pattern?.Regex;
  if (pattern !== longestMatchPattern(vocab.slice(SPECIAL_TOKENS.length))) {
    throw new ForeignTokenizerError(
      'its pre-tokenizer is not the longest-match split of its vocabulary',
    );
  }
  const lowercase = j.normalizer != null;
  const expected = huggingFaceTokenizerJson(vocab, lowercase) as TokenizerJsonShape;
  if (JSON.stringify(j.normalizer ?? null) !== JSON.stringify(expected.normalizer)) {
    throw new ForeignTokenizerError('its normalizer is neither none nor the i3 lowercasing');
  }
  try {
    return new ChunkTokenizer(vocab, lowercase);
  } catch (e) {
    throw new ForeignTokenizerError((e as Error).message);
  }
}
