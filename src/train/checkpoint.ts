// The checkpoint file: everything a run needs to continue exactly (weights, AdamW moments, step,
// schedule, RNG state, data cursor, config, tokenizer identity, metrics), in one byte array with
// a SHA-256 checksum. Layout: "I3CKPT01" · sha256(rest) (32 bytes) · u32 header length ·
// header JSON · padding to 4 · the f32 arrays named in the header, in order.
import type { ChunkTokenizerJson } from '../data/chunkTokenizer';
import type { ActivationMode } from '../model/buffers';
import type { I3Config } from '../model/config';
import type { MetricsHistory } from './metrics';
import type { LrSchedule } from './schedule';

const MAGIC = 'I3CKPT01';

export interface TrainSettings {
  schedule: LrSchedule;
  batchSize: number;
  accumSteps: number;
  seqLen: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  clipNorm: number;
  evalInterval: number;
  evalBatches: number;
  checkpointInterval: number;
  seed: number;
  /** What the backward recomputes; absent in settings saved before the choice: 'keep'. */
  activations?: ActivationMode;
  /** Tokens of text written from the weights at each evaluation (0, or absent: none). */
  sampleTokens?: number;
  /** The text those samples continue ('', or absent: the start of a document). */
  samplePrompt?: string;
  /** Evaluations without improvement after which the run ends (0, or absent: never). */
  earlyStopPatience?: number;
  /**
   * Other datasets (of the run's tokenizer) whose windows are mixed into the training batches,
   * each with its share of the rows; the run's own dataset has the rest and gives the validation
   * split (absent or empty: the run's dataset alone).
   */
  mixIn?: MixIn[];
}

/** A dataset mixed into a run's training batches, and the share of the rows drawn from it. */
export interface MixIn {
  datasetId: string;
  share: number;
}

export interface CheckpointMeta {
  runId: string;
  name: string;
  step: number;
  tokens: number;
  /** Seconds of training so far. */
  time: number;
  createdAt: number;
  config: I3Config;
  settings: TrainSettings;
  tokenizerId: string;
  /** The tokenizer itself, so a checkpoint can be chatted with and exported on its own. */
  tokenizer: ChunkTokenizerJson;
  datasetId: string;
  /** Owned by the batch source: its position and the state of its sampling RNG (the only
   * randomness in a training step), so a resumed run draws the same batches. */
  dataCursor: unknown;
  metrics: MetricsHistory;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  params: Float32Array;
  /** AdamW first and second moments; absent in weights-only checkpoints (imported bundles). */
  adamM?: Float32Array;
  adamV?: Float32Array;
}

export class CorruptCheckpointError extends Error {
  constructor(reason: string) {
    super(
      `This checkpoint is damaged and was not loaded (${reason}). ` +
        'Pick an earlier checkpoint of the run, or start a new run.',
    );
    this.name = 'CorruptCheckpointError';
  }
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** SHA-256 of a checkpoint's weights, in hex: equal for the same weights under any name. */
export async function weightsDigest(params: Float32Array): Promise<string> {
  const digest = await sha256(new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function encodeCheckpoint(ck: Checkpoint): Promise<Uint8Array> {
  const arrays = { params: ck.params, adamM: ck.adamM, adamV: ck.adamV };
  const sections = Object.entries(arrays)
    .filter(([, a]) => a !== undefined)
    .map(([name, a]) => ({ name, length: a!.length }));
  const header = new TextEncoder().encode(JSON.stringify({ meta: ck.meta, sections }));
  const headerEnd = 8 + 32 + 4 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const total = dataStart + sections.reduce((s, x) => s + x.length * 4, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(40, header.length, true);
  out.set(header, 44);
  let at = dataStart;
  for (const s of sections) {
    const a = arrays[s.name as keyof typeof arrays]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  out.set(await sha256(out.subarray(40)), 8);
  return out;
}

export async function decodeCheckpoint(bytes: Uint8Array): Promise<Checkpoint> {
  if (bytes.length < 44 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new CorruptCheckpointError('not an i3 checkpoint');
  }
  const want = bytes.subarray(8, 40);
  const got = await sha256(bytes.subarray(40));
  if (!want.every((b, i) => b === got[i])) throw new CorruptCheckpointError('checksum mismatch');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(40, true);
  const { meta, sections } = JSON.parse(
    new TextDecoder().decode(bytes.subarray(44, 44 + headerLength)),
  ) as { meta: CheckpointMeta; sections: { name: string; length: number }[] };
  let at = Math.ceil((44 + headerLength) / 4) * 4;
  const ck: Checkpoint = { meta, params: new Float32Array(0) };
  for (const s of sections) {
    const end = at + s.length * 4;
    if (end > bytes.length) throw new CorruptCheckpointError('truncated');
    // A copy through the ArrayBuffer: Node's Buffer.slice would return a view of a shared pool.
    const a = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + end));
    if (s.name === 'params' || s.name === 'adamM' || s.name === 'adamV') ck[s.name] = a;
    at = end;
  }
  if (ck.params.length === 0) throw new CorruptCheckpointError('no weights');
  return ck;
}
