// Which split each distinct document went to, so that a repeated document follows its first
// copy: a document in both splits would let the validation loss read low (the model is scored on
// text it trained on). Documents are told apart by a 63-bit hash of their tokens (two 32-bit
// hashes; a false match among a million documents has odds of about 1 in 10^7), kept in an
// open-addressing table of two 32-bit words a slot, 16 bytes a document at most: a dataset of
// millions of documents takes tens of MB, where a JavaScript Map would take several times that.
import type { Split } from './shardStore';

/** Two 32-bit hashes of the tokens (murmur3's mixing, two seeds). */
export function tokenHash(tokens: Uint16Array): [number, number] {
  let a = 0x9747b28c ^ tokens.length;
  let b = 0x5bd1e995 ^ tokens.length;
  for (let i = 0; i < tokens.length; i++) {
    const k = Math.imul(tokens[i], 0xcc9e2d51);
    a = Math.imul(((a ^ k) << 13) | ((a ^ k) >>> 19), 5) + 0xe6546b64;
    b = Math.imul(b ^ Math.imul(k, 0x1b873593), 0x85ebca6b) + (b >>> 16);
  }
  return [fmix(a), fmix(b)];
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class DocumentIndex {
  /** Slot s: words 2s (the first hash, never 0 in a used slot) and 2s + 1 (the second, with the split in its low bit). */
  private slots = new Uint32Array(2 * 1024);
  private used = 0;

  /** How many distinct documents it holds. */
  get size(): number {
    return this.used;
  }

  /**
   * The split of the document's first copy, where it has one; otherwise records the document as
   * going to `split` and returns undefined.
   */
  firstSplit(tokens: Uint16Array, split: Split): Split | undefined {
    const [h1, h2] = tokenHash(tokens);
    const a = h1 || 1;
    const b = (h2 & ~1) >>> 0;
    const s = this.find(a, b);
    if (this.slots[2 * s] !== 0) return this.slots[2 * s + 1] & 1 ? 'validation' : 'train';
    this.slots[2 * s] = a;
    this.slots[2 * s + 1] = b | (split === 'validation' ? 1 : 0);
    if (++this.used * 2 > this.slots.length / 2) this.grow();
    return undefined;
  }

  /** The slot that holds (a, b), or the empty slot where it would go (linear probing). */
  private find(a: number, b: number): number {
    const mask = this.slots.length / 2 - 1;
    for (let s = a & mask; ; s = (s + 1) & mask) {
      const w = this.slots[2 * s];
      if (w === 0 || (w === a && (this.slots[2 * s + 1] & ~1) >>> 0 === b)) return s;
    }
  }

  /** Doubles the table once it is half full, so that probes stay short. */
  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(2 * old.length);
    for (let s = 0; s < old.length / 2; s++) {
      const a = old[2 * s];
      if (a === 0) continue;
      const t = this.find(a, (old[2 * s + 1] & ~1) >>> 0);
      this.slots[2 * t] = a;
      this.slots[2 * t + 1] = old[2 * s + 1];
    }
  }
}
