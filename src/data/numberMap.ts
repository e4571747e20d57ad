// An open-addressing hash map from non-negative integer keys (< 2^53) to numbers. The chunk
// tokenizer packs 2-3 character ids into one such key; a JS Map with keys past the small-integer
// range boxes every key and runs several times slower on the hot counting and encoding loops.

const EMPTY = -1;

export class NumberMap {
  private keys: Float64Array;
  private vals: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.vals = new Float64Array(n);
    this.mask = n - 1;
  }

  private slot(key: number): number {
    // Mix both 32-bit halves; keys are dense small ids packed by multiplication.
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    let i = h & this.mask;
    const keys = this.keys;
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The value for key, or -1 when absent. */
  get(key: number): number {
    const i = this.slot(key);
    return this.keys[i] === key ? this.vals[i] : -1;
  }

  set(key: number, value: number): void {
    const i = this.slot(key);
    if (this.keys[i] !== key) {
      this.keys[i] = key;
      this.size++;
      this.vals[i] = value;
      if (this.size * 2 > this.keys.length) this.rehash(this.keys.length * 2);
      return;
    }
    this.vals[i] = value;
  }

  /** Adds delta to the value of key (absent keys start at 0). */
  add(key: number, delta: number): void {
    const i = this.slot(key);
    if (this.keys[i] === key) {
      this.vals[i] += delta;
      return;
    }
    this.keys[i] = key;
    this.vals[i] = delta;
    this.size++;
    if (this.size * 2 > this.keys.length) this.rehash(this.keys.length * 2);
  }

  forEach(fn: (key: number, value: number) => void): void {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) fn(keys[i], vals[i]);
  }

  /** Keeps only the entries for which keep(value) is true. */
  filter(keep: (value: number) => boolean): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    let n = 16;
    let kept = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY && keep(oldVals[i])) kept++;
    while (n < kept * 2 + 2) n *= 2;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.vals = new Float64Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY && keep(oldVals[i])) this.set(oldKeys[i], oldVals[i]);
    }
  }

  private rehash(n: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.vals = new Float64Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldVals[i]);
    }
  }
}
