// Streaming vocabulary training for the chunk tokenizer: counts characters and overlapping 2- and
// 3-character chunks one document at a time, in a table whose size is capped (rare chunks are
// pruned by a count threshold, which depends only on the counts, so the result is deterministic),
// then keeps every character and the most frequent chunks (ties by string order).

import { DEFAULT_VOCAB_SIZE } from '../model/config';
import { ChunkTokenizer, MAX_VOCAB } from './chunkTokenizer';
import { NumberMap } from './numberMap';
import { lowercaseText, SPECIAL_TOKENS, splitSpecial } from './specialTokens';

export interface VocabOptions {
  /** Total vocabulary size including special tokens (default: the seed's). */
  targetSize?: number;
  /** Lowercase plain text before counting and encoding (docs/tokenizer.md). */
  lowercase?: boolean;
  /** Chunks seen fewer times are never tokens. */
  minCount?: number;
  /** Chunk-count table cap; past it the rarest counts are pruned to half the cap. */
  maxTableEntries?: number;
}

const CHAR_BITS = 2 ** 17; // distinct characters a packed key can hold
const PAIR_OFFSET = 2 ** 51; // pairs and triples share one table; pair keys sit above triples

export class VocabCounter {
  readonly targetSize: number;
  readonly lowercase: boolean;
  readonly minCount: number;
  readonly maxTableEntries: number;
  private readonly bmpChar = new Int32Array(65536).fill(-1);
  private readonly astralChar = new Map<number, number>();
  private charCp: number[] = [];
  private charCount = new Float64Array(256);
  private readonly chunks = new NumberMap(1 << 16);
  prunes = 0;
  documents = 0;

  constructor(opts: VocabOptions = {}) {
    this.targetSize = opts.targetSize ?? DEFAULT_VOCAB_SIZE;
    this.lowercase = opts.lowercase ?? true;
    this.minCount = opts.minCount ?? 2;
    this.maxTableEntries = opts.maxTableEntries ?? 1 << 20;
    if (this.targetSize > MAX_VOCAB || this.targetSize <= SPECIAL_TOKENS.length) {
      throw new Error(`vocabulary size must be in (${SPECIAL_TOKENS.length}, ${MAX_VOCAB}]`);
    }
  }

  get distinctCharacters(): number {
    return this.charCp.length;
  }

  get trackedChunks(): number {
    return this.chunks.size;
  }

  addDocument(text: string): void {
    splitSpecial(
      text,
      (segment) => this.countSegment(this.lowercase ? lowercaseText(segment) : segment),
      () => {},
    );
    this.documents++;
    if (this.chunks.size > this.maxTableEntries) this.prune();
  }

  private charId(cp: number): number {
    let id = cp < 65536 ? this.bmpChar[cp] : (this.astralChar.get(cp) ?? -1);
    if (id >= 0) return id;
    id = this.charCp.length;
    if (id >= CHAR_BITS) throw new Error(`more than ${CHAR_BITS} distinct characters`);
    if (cp < 65536) this.bmpChar[cp] = id;
    else this.astralChar.set(cp, id);
    this.charCp.push(cp);
    if (id >= this.charCount.length) {
      const grown = new Float64Array(this.charCount.length * 2);
      grown.set(this.charCount);
      this.charCount = grown;
    }
    return id;
  }

  private countSegment(s: string): void {
    const chunks = this.chunks;
    let p1 = -1;
    let p2 = -1;
    for (let i = 0; i < s.length; i++) {
      let cp = s.charCodeAt(i);
      if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < s.length) {
        cp = s.codePointAt(i)!;
        if (cp > 0xffff) i++;
      }
      const id = this.charId(cp);
      this.charCount[id]++;
      if (p1 >= 0) {
        chunks.add(PAIR_OFFSET + p1 * CHAR_BITS + id, 1);
        if (p2 >= 0) chunks.add((p2 * CHAR_BITS + p1) * CHAR_BITS + id, 1);
      }
      p2 = p1;
      p1 = id;
    }
  }

  /** Drops the rarest chunk counts down to half the cap; the threshold depends only on counts. */
  private prune(): void {
    const values = new Float64Array(this.chunks.size);
    let n = 0;
    this.chunks.forEach((_, v) => {
      values[n++] = v;
    });
    values.sort();
    const keep = this.maxTableEntries >> 1;
    const threshold = values[values.length - keep];
    this.chunks.filter((v) => v > threshold);
    this.prunes++;
  }

  private chunkText(key: number): string {
    const cps: number[] = [];
    let k = key >= PAIR_OFFSET ? key - PAIR_OFFSET : key;
    const len = key >= PAIR_OFFSET ? 2 : 3;
    for (let j = 0; j < len; j++) {
      cps.unshift(this.charCp[k % CHAR_BITS]);
      k = Math.floor(k / CHAR_BITS);
    }
    return String.fromCodePoint(...cps);
  }

  /** The tokenizer: specials, characters by code point, then chunks by rank. */
  build(): ChunkTokenizer {
    const budget = this.targetSize - SPECIAL_TOKENS.length;
    const charIds = this.charCp.map((_, id) => id);
    charIds.sort(
      (a, b) => this.charCount[b] - this.charCount[a] || this.charCp[a] - this.charCp[b],
    );
    const kept = charIds.slice(0, budget);
    const keptSet = new Set(kept);
    const chars = kept.map((id) => this.charCp[id]).sort((a, b) => a - b);
    const candidates: { text: string; count: number }[] = [];
    this.chunks.forEach((key, count) => {
      if (count < this.minCount) return;
      let k = key >= PAIR_OFFSET ? key - PAIR_OFFSET : key;
      const len = key >= PAIR_OFFSET ? 2 : 3;
      for (let j = 0; j < len; j++, k = Math.floor(k / CHAR_BITS)) {
        if (!keptSet.has(k % CHAR_BITS)) return;
      }
      candidates.push({ text: this.chunkText(key), count });
    });
    candidates.sort(
      (a, b) => b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0),
    );
    const chunkBudget = budget - chars.length;
    const vocab = [
      ...SPECIAL_TOKENS,
      ...chars.map((cp) => String.fromCodePoint(cp)),
      ...candidates.slice(0, Math.max(0, chunkBudget)).map((c) => c.text),
    ];
    return new ChunkTokenizer(vocab, this.lowercase);
  }
}

/** Trains a tokenizer over in-memory documents (tests, small corpora). */
export function trainTokenizer(docs: Iterable<string>, opts: VocabOptions = {}): ChunkTokenizer {
  const counter = new VocabCounter(opts);
  for (const d of docs) counter.addDocument(d);
  return counter.build();
}
