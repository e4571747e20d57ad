// A growable Uint16Array of token ids: the encoder appends without allocating per token.

export class TokenBuffer {
  data: Uint16Array;
  length = 0;

  constructor(capacity = 4096) {
    this.data = new Uint16Array(capacity);
  }

  push(id: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint16Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = id;
  }

  /** The ids written so far (a view; copy it before the next clear). */
  view(): Uint16Array {
    return this.data.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}
