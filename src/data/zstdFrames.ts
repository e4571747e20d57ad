// Zstandard's frame layout (RFC 8878, section 3.1), read from the compressed bytes beside fzstd,
// which decodes the frames but does not check their content checksums: where each frame ends and
// the checksum it carries (the low 32 bits of XXH64 of its decompressed bytes), so that the zstd
// stream (compression.ts) can check them. A malformed stream is fzstd's to report; the walker then
// stops looking.

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50; // the low 4 bits are free
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8]; // by Frame_Content_Size_flag; 1 byte for flag 0 when single-segment

/** A frame that ends in a walked piece: the offset just past it, and its checksum if it has one. */
export interface FrameEnd {
  end: number;
  checksum: number | null;
}

type Field =
  | 'magic'
  | 'skippable-size'
  | 'skippable'
  | 'descriptor'
  | 'header'
  | 'block-header'
  | 'block'
  | 'checksum'
  | 'lost'; // not a frame: fzstd reports it

const littleEndian = (b: number[]) => b.reduceRight((v, byte) => v * 256 + byte, 0);

/** Follows a Zstandard stream piece by piece, however its pieces cut the frames. */
export class FrameWalker {
  private field: Field = 'magic';
  private want = 4; // bytes the current field still needs
  private bytes: number[] = []; // a header field's bytes so far (content is skipped, not kept)
  private hasChecksum = false;
  private lastBlock = false;

  /** Walks the next piece of the stream; returns the frames that end in it. */
  walk(piece: Uint8Array): FrameEnd[] {
    const ends: FrameEnd[] = [];
    let at = 0;
    while (at < piece.length && this.field !== 'lost') {
      if (this.field === 'block' || this.field === 'skippable') {
        const n = Math.min(this.want, piece.length - at);
        at += n;
        this.want -= n;
      } else {
        this.bytes.push(piece[at++]);
        this.want--;
      }
      if (this.want === 0) this.fieldDone(ends, at);
    }
    return ends;
  }

  private expect(field: Field, bytes: number): void {
    this.field = field;
    this.want = bytes;
  }

  private frameEnd(ends: FrameEnd[], end: number, checksum: number | null): void {
    ends.push({ end, checksum });
    this.expect('magic', 4);
  }

  private afterBlock(ends: FrameEnd[], at: number): void {
    if (!this.lastBlock) this.expect('block-header', 3);
    else if (this.hasChecksum) this.expect('checksum', 4);
    else this.frameEnd(ends, at, null);
  }

  private fieldDone(ends: FrameEnd[], at: number): void {
    const b = this.bytes;
    this.bytes = [];
    switch (this.field) {
      case 'magic': {
        const magic = littleEndian(b);
        if (magic === FRAME_MAGIC) this.expect('descriptor', 1);
        else if (magic - (magic % 16) === SKIPPABLE_MAGIC) this.expect('skippable-size', 4);
        else this.field = 'lost';
        return;
      }
      case 'skippable-size': {
        const size = littleEndian(b);
        if (size === 0) this.frameEnd(ends, at, null);
        else this.expect('skippable', size);
        return;
      }
      case 'skippable':
        this.frameEnd(ends, at, null);
        return;
      case 'descriptor': {
        const fhd = b[0];
        const singleSegment = (fhd >> 5) & 1;
        const contentSizeFlag = fhd >> 6;
        this.hasChecksum = ((fhd >> 2) & 1) === 1;
        const header =
          (singleSegment ? 0 : 1) +
          DICTIONARY_ID_BYTES[fhd & 3] +
          (contentSizeFlag === 0 ? singleSegment : CONTENT_SIZE_BYTES[contentSizeFlag]);
        if (header > 0) this.expect('header', header);
        else this.expect('block-header', 3);
        return;
      }
      case 'header':
        this.expect('block-header', 3);
        return;
      case 'block-header': {
        const h = littleEndian(b);
        this.lastBlock = (h & 1) === 1;
        const type = (h >> 1) & 3;
        const content = type === 1 ? 1 : h >> 3; // an RLE block stores its one byte
        if (content > 0) this.expect('block', content);
        else this.afterBlock(ends, at);
        return;
      }
      case 'block':
        this.afterBlock(ends, at);
        return;
      case 'checksum':
        this.frameEnd(ends, at, littleEndian(b));
        return;
    }
  }
}
