import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { randomArray } from '../util/random';
import {
  type Checkpoint,
  CorruptCheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  weightsDigest,
} from './checkpoint';
import { emptyHistory } from './metrics';

const checkpoint = (): Checkpoint => ({
  meta: {
    runId: 'run-1',
    name: 'test run',
    step: 12,
    tokens: 3072,
    time: 4.5,
    createdAt: 1_700_000_000_000,
    config: PRESETS['i3-test'],
    settings: {
      schedule: { peakLr: 1e-3, warmupSteps: 10, totalSteps: 100, minRatio: 0.1 },
      batchSize: 2,
      accumSteps: 1,
      seqLen: 16,
      weightDecay: 0.1,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      clipNorm: 1,
      evalInterval: 10,
      evalBatches: 2,
      checkpointInterval: 10,
      seed: 7,
    },
    tokenizerId: 'tok-abc',
    tokenizer: { type: 'chunk', strategy: 'variable_2_3', vocab: ['<pad>', 'a'], lowercase: true },
    datasetId: 'ds-1',
    dataCursor: { epoch: 0, position: 99, rng: 123456 },
    metrics: {
      ...emptyHistory(),
      steps: [
        {
          step: 1,
          tokens: 256,
          time: 0.4,
          loss: 4.1,
          perplexity: 60,
          lr: 1e-4,
          gradNorm: 2,
          tokensPerSec: 640,
          stepMs: 400,
        },
      ],
    },
  },
  params: randomArray(1001, 1),
  adamM: randomArray(1001, 2),
  adamV: randomArray(1001, 3),
});

describe('checkpoint file', () => {
  it('round-trips every field and array exactly', async () => {
    const ck = checkpoint();
    const back = await decodeCheckpoint(await encodeCheckpoint(ck));
    expect(back.meta).toEqual(ck.meta);
    expect(back.params).toEqual(ck.params);
    expect(back.adamM).toEqual(ck.adamM);
    expect(back.adamV).toEqual(ck.adamV);
  });

  it('decodes from a view into a larger buffer, as Node file reads give', async () => {
    const ck = checkpoint();
    const bytes = await encodeCheckpoint(ck);
    const padded = new Uint8Array(bytes.length + 100);
    padded.set(bytes, 40);
    const back = await decodeCheckpoint(Buffer.from(padded.buffer, 40, bytes.length));
    expect(back.params).toEqual(ck.params);
    expect(back.adamV).toEqual(ck.adamV);
  });

  it('stores weights-only checkpoints', async () => {
    const { meta, params } = checkpoint();
    const back = await decodeCheckpoint(await encodeCheckpoint({ meta, params }));
    expect(back.adamM).toBeUndefined();
    expect(back.params).toEqual(params);
  });

  it('refuses a checkpoint with one flipped bit, a truncated one and a foreign file', async () => {
    const bytes = await encodeCheckpoint(checkpoint());
    const flipped = bytes.slice();
    flipped[flipped.length - 5] ^= 0x10;
    await expect(decodeCheckpoint(flipped)).rejects.toThrow(CorruptCheckpointError);
    await expect(decodeCheckpoint(flipped)).rejects.toThrow(/checksum/);
    await expect(decodeCheckpoint(bytes.slice(0, bytes.length - 100))).rejects.toThrow(
      CorruptCheckpointError,
    );
    await expect(decodeCheckpoint(new TextEncoder().encode('PK\u0003\u0004 zip'))).rejects.toThrow(
      /not an i3 checkpoint/,
    );
  });

  it('refuses a truncated checkpoint whose checksum was recomputed (its sections run past the end)', async () => {
    const cut = (await encodeCheckpoint(checkpoint())).slice(0, -100);
    cut.set(new Uint8Array(await crypto.subtle.digest('SHA-256', cut.subarray(40))), 8);
    await expect(decodeCheckpoint(cut)).rejects.toThrow(/truncated/);
  });

  it('digests the weights alone: the same for a copy of them under any name, another for one changed bit', async () => {
    const { meta, params } = checkpoint();
    const digest = await weightsDigest(params);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // A view into a larger buffer, as a decoded checkpoint's weights are.
    const back = await decodeCheckpoint(
      await encodeCheckpoint({ meta: { ...meta, name: 'x' }, params }),
    );
    expect(await weightsDigest(back.params)).toBe(digest);
    const changed = params.slice();
    new Uint32Array(changed.buffer)[7] ^= 1;
    expect(await weightsDigest(changed)).not.toBe(digest);
    // SHA-256 itself: the digest of no bytes.
    expect(await weightsDigest(new Float32Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
