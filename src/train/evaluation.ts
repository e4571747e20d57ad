// A checkpoint's loss on a dataset's validation split, on the GPU: the measure that compares
// checkpoints across datasets, such as a model before and after fine-tuning on new files (a
// dataset imported with its tokenizer). The loss is the mean over every target the training
// loss counts (pad targets aside) of up to EVAL_MAX_TOKENS tokens of the split, in order.

import {
  nothingToEvaluate,
  ShardReader,
  type ShardSource,
  validationWindows,
} from '../data/shardReader';
import { PAD_ID } from '../data/specialTokens';
import type { GpuRuntime } from '../gpu/runtime';
import { padRows } from './batchSource';
import type { Checkpoint } from './checkpoint';
import { makeRunGpu } from './run';

/** At most this many validation tokens are read: 256 forward passes of i3-22m at batch 16 × 256. */
export const EVAL_MAX_TOKENS = 2 ** 20;

/** Batches a read-back covers. */
export const EVAL_GROUP = 16;

export interface CheckpointEvaluation {
  datasetId: string;
  datasetName: string;
  /** Mean cross-entropy, nats a token. */
  loss: number;
  /** Targets counted. */
  tokens: number;
  at: number;
}

/** The targets of rows × (T+1) tokens that the loss counts: each row's last T, pad aside. */
export function countedTargets(tokens: Uint32Array, T: number): number {
  let n = 0;
  for (let i = 0; i < tokens.length; i++) if (i % (T + 1) !== 0 && tokens[i] !== PAD_ID) n++;
  return n;
}

export interface EvaluationOptions {
  maxTokens?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The checkpoint's mean loss on the validation split of `source` (whose tokenizer must be the
 * checkpoint's), in batches of its own training batch size and context; frees what it made.
 */
export async function evaluateCheckpoint(
  rt: GpuRuntime,
  ck: Checkpoint,
  source: ShardSource,
  { maxTokens = EVAL_MAX_TOKENS, signal, onProgress }: EvaluationOptions = {},
): Promise<{ loss: number; tokens: number }> {
  const { config } = ck.meta;
  const T = config.max_seq_len;
  const settings = { ...ck.meta.settings, seqLen: T, accumSteps: 1 };
  const B = settings.batchSize;
  const none = nothingToEvaluate(source.manifest, T);
  if (none) throw new Error(none);
  let windows = Math.min(
    validationWindows(source.manifest, T),
    Math.max(1, Math.floor(maxTokens / T)),
  );
  const batches = Math.ceil(windows / B);
  const gpu = await makeRunGpu(rt, config, settings);
  try {
    gpu.model.loadState(ck.params);
    const reader = new ShardReader(source, { batchSize: B, seqLen: T, seed: settings.seed });
    let sum = 0;
    let tokens = 0;
    let done = 0;
    let group: Uint32Array[] = [];
    let counted = 0;
    // The model sums a group's losses on the GPU: one read-back a group, weighted by its targets.
    const flush = async () => {
      signal?.throwIfAborted();
      sum += (await gpu.model.evaluate(group)) * counted;
      tokens += counted;
      done += group.length;
      group = [];
      counted = 0;
      onProgress?.(done, batches);
    };
    for await (const batch of reader.validationBatches(batches)) {
      const rows = Math.min(batch.rows, windows);
      windows -= rows;
      const ids = batch.tokens.subarray(0, rows * (T + 1));
      counted += countedTargets(ids, T);
      group.push(padRows(ids, rows, B, T));
      if (group.length === EVAL_GROUP) await flush();
    }
    if (group.length > 0) await flush();
    return { loss: tokens > 0 ? sum / tokens : Number.NaN, tokens };
  } finally {
    gpu.destroy();
  }
}
