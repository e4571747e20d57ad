// The i3 "chunk" tokenizer (strategy variable_2_3): special tokens, every single character, and
// frequent 2- and 3-character chunks. Characters are Unicode code points (an emoji outside the
// BMP is one character). Encoding is greedy longest match (3, then 2, then 1 characters) after
// splitting at special markers; decoding concatenates the token strings. docs/tokenizer.md.

import { huggingFaceTokenizerJson } from './huggingFace';
import { NumberMap } from './numberMap';
import { sha256Hex } from './sha256';
import { lowercaseText, SPECIAL_TOKENS, splitSpecial, UNK_ID } from './specialTokens';
import { TokenBuffer } from './tokenBuffer';

export interface ChunkTokenizerJson {
  type: 'chunk';
  strategy: 'variable_2_3';
  lowercase: boolean;
  /** vocab[id] is the token's text; ids 0..5 are SPECIAL_TOKENS. */
  vocab: string[];
}

/** Token ids are stored as Uint16 in shards. */
export const MAX_VOCAB = 65536;

export class ChunkTokenizer {
  readonly vocab: readonly string[];
  readonly lowercase: boolean;
  /** Dense index of each vocabulary character: BMP code points by table, the rest by map. */
  private readonly bmpChar = new Int32Array(65536).fill(-1);
  private readonly astralChar = new Map<number, number>();
  private readonly charToken: Int32Array;
  private readonly radix: number;
  /** Packed character indices of a 2- or 3-character chunk -> its token id. */
  private readonly pairs = new NumberMap();
  private readonly triples = new NumberMap();
  private cachedIdentity: string | null = null;

  constructor(vocab: readonly string[], lowercase = true) {
    if (vocab.length > MAX_VOCAB)
      throw new Error(`vocabulary of ${vocab.length} exceeds ${MAX_VOCAB}`);
    SPECIAL_TOKENS.forEach((s, i) => {
      if (vocab[i] !== s) throw new Error(`token ${i} must be ${s}, found ${vocab[i]}`);
    });
    this.vocab = vocab;
    this.lowercase = lowercase;
    const charTokens: number[] = [];
    for (let id = SPECIAL_TOKENS.length; id < vocab.length; id++) {
      const cps = [...vocab[id]];
      if (cps.length === 1) {
        this.setChar(cps[0].codePointAt(0)!, charTokens.length);
        charTokens.push(id);
      } else if (cps.length < 1 || cps.length > 3) {
        throw new Error(`token ${id} ${JSON.stringify(vocab[id])} is not 1-3 characters`);
      }
    }
    this.charToken = Int32Array.from(charTokens);
    this.radix = Math.max(1, charTokens.length);
    const seen = new Set<string>();
    for (let id = SPECIAL_TOKENS.length; id < vocab.length; id++) {
      if (seen.has(vocab[id])) throw new Error(`duplicate token ${JSON.stringify(vocab[id])}`);
      seen.add(vocab[id]);
      const cps = [...vocab[id]];
      if (cps.length === 1) continue;
      const idx = cps.map((c) => this.charIndex(c.codePointAt(0)!));
      if (idx.some((i) => i < 0)) {
        throw new Error(
          `chunk ${JSON.stringify(vocab[id])} has a character outside the vocabulary`,
        );
      }
      const pair = idx[0] * this.radix + idx[1];
      if (idx.length === 2) this.pairs.set(pair, id);
      else this.triples.set(pair * this.radix + idx[2], id);
    }
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  private setChar(cp: number, index: number): void {
    if (cp < 65536) this.bmpChar[cp] = index;
    else this.astralChar.set(cp, index);
  }

  private charIndex(cp: number): number {
    return cp < 65536 ? this.bmpChar[cp] : (this.astralChar.get(cp) ?? -1);
  }

  /** Encodes text. Unknown characters become <unk>. */
  encode(text: string): Uint16Array {
    const out = new TokenBuffer(Math.max(16, text.length));
    this.encodeInto(text, out);
    return out.view().slice();
  }

  /** Appends the ids of text to out; returns the number of unknown characters. */
  encodeInto(text: string, out: TokenBuffer): number {
    let unknown = 0;
    splitSpecial(
      text,
      (segment) => {
        unknown += this.encodePlain(this.lowercase ? lowercaseText(segment) : segment, out);
      },
      (id) => out.push(id),
    );
    return unknown;
  }

  /**
   * The characters of text (lowercased where the tokenizer lowercases) outside the vocabulary,
   * each once, in the order they first appear: what encode turns into <unk>.
   */
  unknownCharacters(text: string): string[] {
    const unknown = new Set<string>();
    splitSpecial(
      text,
      (segment) => {
        for (const c of this.lowercase ? lowercaseText(segment) : segment) {
          if (this.charIndex(c.codePointAt(0)!) < 0) unknown.add(c);
        }
      },
      () => {},
    );
    return [...unknown];
  }

  /** Greedy 3-2-1 longest match over text that holds no special marker. */
  private encodePlain(s: string, out: TokenBuffer): number {
    const n = s.length;
    const R = this.radix;
    let unknown = 0;
    let i = 0;
    while (i < n) {
      let cp = s.charCodeAt(i);
      let w0 = 1;
      if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n) {
        cp = s.codePointAt(i)!;
        w0 = cp > 0xffff ? 2 : 1;
      }
      const a = this.charIndex(cp);
      if (a < 0) {
        out.push(UNK_ID);
        unknown++;
        i += w0;
        continue;
      }
      const j = i + w0;
      if (j < n) {
        let cp1 = s.charCodeAt(j);
        let w1 = 1;
        if (cp1 >= 0xd800 && cp1 < 0xdc00 && j + 1 < n) {
          cp1 = s.codePointAt(j)!;
          w1 = cp1 > 0xffff ? 2 : 1;
        }
        const b = this.charIndex(cp1);
        if (b >= 0) {
          const pair = a * R + b;
          const k = j + w1;
          if (k < n) {
            let cp2 = s.charCodeAt(k);
            let w2 = 1;
            if (cp2 >= 0xd800 && cp2 < 0xdc00 && k + 1 < n) {
              cp2 = s.codePointAt(k)!;
              w2 = cp2 > 0xffff ? 2 : 1;
            }
            const c = this.charIndex(cp2);
            if (c >= 0) {
              const t = this.triples.get(pair * R + c);
              if (t >= 0) {
                out.push(t);
                i = k + w2;
                continue;
              }
            }
          }
          const p = this.pairs.get(pair);
          if (p >= 0) {
            out.push(p);
            i = k;
            continue;
          }
        }
      }
      out.push(this.charToken[a]);
      i = j;
    }
    return unknown;
  }

  /** The text of ids: the exact inverse of encode up to lowercasing and unknown characters. */
  decode(ids: ArrayLike<number>, opts: { skipSpecial?: boolean } = {}): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (opts.skipSpecial && id < SPECIAL_TOKENS.length) continue;
      s += this.vocab[id] ?? SPECIAL_TOKENS[UNK_ID];
    }
    return s;
  }

  /** The token strings of ids (for showing a sample's tokenization). */
  tokens(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.vocab[id] ?? SPECIAL_TOKENS[UNK_ID]);
  }

  toJSON(): ChunkTokenizerJson {
    return {
      type: 'chunk',
      strategy: 'variable_2_3',
      lowercase: this.lowercase,
      vocab: [...this.vocab],
    };
  }

  static fromJSON(json: ChunkTokenizerJson): ChunkTokenizer {
    if (json.type !== 'chunk' || json.strategy !== 'variable_2_3') {
      throw new Error(`not a chunk/variable_2_3 tokenizer: ${json.type}/${json.strategy}`);
    }
    return new ChunkTokenizer(json.vocab, json.lowercase);
  }

  /** SHA-256 of the canonical JSON: equal for tokenizers that give the same ids. */
  identity(): string {
    this.cachedIdentity ??= sha256Hex(JSON.stringify(this.toJSON()));
    return this.cachedIdentity;
  }

  /** A Hugging Face tokenizer.json that gives the same ids (docs/tokenizer.md explains its form). */
  toHuggingFaceJson(): string {
    return JSON.stringify(huggingFaceTokenizerJson(this.vocab, this.lowercase));
  }
}
