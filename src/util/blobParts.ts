// Bytes that arrive in pieces (a download, an export's zip) gathered into Blobs of about 16 MiB,
// so that a large file lives in the browser's blob storage, which pages to disk, and not in
// arrays on the heap until its end.

const PART_BYTES = 16 << 20;

export class BlobParts {
  private parts: Blob[] = [];
  private pending: Uint8Array<ArrayBuffer>[] = [];
  private pendingBytes = 0;

  /** Takes `chunk`: held until its part is full, then copied into blob storage. */
  add(chunk: Uint8Array): void {
    this.pending.push(chunk as Uint8Array<ArrayBuffer>);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= PART_BYTES) this.flush();
  }

  /** Everything added, as one Blob. */
  blob(type: string): Blob {
    this.flush();
    return new Blob(this.parts, { type });
  }

  clear(): void {
    this.parts = [];
    this.pending = [];
    this.pendingBytes = 0;
  }

  private flush(): void {
    this.parts.push(new Blob(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}
