// Where a run's batches come from: its dataset's shards (a ShardReader), or a mixture of its
// dataset and others of the same tokenizer, each row drawn from one of them by its share. The
// run's own dataset gives the validation split and the epochs. Either way the cursor is plain
// JSON, so that a resumed run draws the same rows.
import { type BatchCursor, ShardReader, type ShardSource } from '../data/shardReader';
import { PAD_ID } from '../data/specialTokens';
import { Rng } from '../util/random';
import type { BatchSource } from './trainer';

/** Rows of T+1 tokens, padded with <pad> rows (ignored by the loss) to a full micro-batch. */
export function padRows(tokens: Uint32Array, rows: number, B: number, T: number): Uint32Array {
  if (rows === B) return tokens;
  const out = new Uint32Array(B * (T + 1)).fill(PAD_ID);
  out.set(tokens);
  return out;
}

/** A mixture's place: each reader's (the run's dataset first) and its row picker's state. */
export interface MixtureCursor {
  readers: BatchCursor[];
  rng: number;
}

const isMixture = (c: unknown): c is MixtureCursor =>
  typeof c === 'object' && c !== null && Array.isArray((c as MixtureCursor).readers);

/**
 * The run's own dataset's place in a stored cursor of either kind (a run trained further with or
 * without a mixture continues its own dataset from there), or undefined.
 */
export function ownCursor(cursor: unknown): BatchCursor | undefined {
  if (isMixture(cursor)) return cursor.readers[0];
  return (cursor as BatchCursor | undefined) ?? undefined;
}

export interface BatchShape {
  batchSize: number;
  seqLen: number;
  seed: number;
}

/**
 * The batches of a run on `source`, with `mixIn` (other sources and the share of the rows each
 * takes) where given, from `cursor` (a stored cursor of either kind) where given.
 */
export function batchSource(
  source: ShardSource,
  shape: BatchShape,
  mixIn: { source: ShardSource; share: number }[] = [],
  cursor?: unknown,
): BatchSource {
  const own = new ShardReader(source, shape, ownCursor(cursor));
  const B = own.batchSize;
  const T = own.seqLen;
  const validationBatches = async (count: number) => {
    const out: Uint32Array[] = [];
    for await (const b of own.validationBatches(count)) out.push(padRows(b.tokens, b.rows, B, T));
    return out;
  };
  if (mixIn.length === 0) {
    return {
      nextTrainBatch: async () => (await own.nextBatch()).tokens,
      validationBatches,
      cursor: () => own.cursor(),
      epochs: () => own.epochs(),
    };
  }
  const stored =
    isMixture(cursor) && cursor.readers.length === mixIn.length + 1 ? cursor : undefined;
  // Each mixed-in dataset draws its windows with a seed of its own.
  const readers = [
    own,
    ...mixIn.map(
      (m, k) =>
        new ShardReader(
          m.source,
          { ...shape, seed: (shape.seed + Math.imul(k + 1, 0x9e3779b1)) >>> 0 },
          stored?.readers[k + 1],
        ),
    ),
  ];
  // Cumulative shares of the mixed-in datasets; a draw past them all is the run's own dataset's.
  const bounds: number[] = [];
  for (const m of mixIn) bounds.push((bounds.at(-1) ?? 0) + m.share);
  const picker = new Rng((shape.seed ^ 0x6d1c7) >>> 0);
  if (stored) picker.state = stored.rng >>> 0;
  return {
    nextTrainBatch: async () => {
      const out = new Uint32Array(B * (T + 1));
      for (let row = 0; row < B; row++) {
        const u = picker.next();
        const k = bounds.findIndex((b) => u < b);
        const { tokens } = await readers[k < 0 ? 0 : k + 1].nextBatch(1);
        out.set(tokens, row * (T + 1));
      }
      return out;
    },
    validationBatches,
    cursor: (): MixtureCursor => ({ readers: readers.map((r) => r.cursor()), rng: picker.state }),
    epochs: () => own.epochs(),
  };
}
