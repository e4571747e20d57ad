import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkTokenizer } from './chunkTokenizer';
import {
  documentSplit,
  ImportError,
  type ImportProgress,
  importDataset,
  interruptedImport,
  isValidationDocument,
  lastValidationDocument,
} from './importer';
import { loadTextCorpus } from './nodeCorpus';
import { ShardReader, storeSource, tooShortToTrain } from './shardReader';
import { MemoryShardStore, type Split } from './shardStore';
import { EOS_ID } from './specialTokens';

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'then', 'it', 'slept', '😀', 'Zebra!'];
function corpusLines(n: number, seed = 1): string[] {
  let x = seed;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  return Array.from({ length: n }, () =>
    Array.from({ length: 3 + (next() % 12) }, () => words[next() % words.length]).join(' '),
  );
}

const file = (name: string, text: string) => new File([text], name);

/** A memory store that fails the n-th shard write, as a crash or a full disk would. */
class FailingStore extends MemoryShardStore {
  writes = 0;
  constructor(
    public failAt: number,
    private readonly error: () => Error,
  ) {
    super();
  }
  override async putShard(id: string, split: Split, index: number, tokens: Uint16Array) {
    if (++this.writes === this.failAt) throw this.error();
    await super.putShard(id, split, index, tokens);
  }
}

async function allTokens(store: MemoryShardStore, id: string, split: Split, shards: number) {
  const parts: number[] = [];
  for (let i = 0; i < shards; i++) parts.push(...(await store.getShard(id, split, i)));
  return parts;
}

describe('importDataset', () => {
  // Numbered, so that no line repeats another (repeats follow their first copy: tested below).
  const text = corpusLines(400)
    .map((line, i) => `${line} ${i}`)
    .join('\n');
  const chat = '[INST] hi [/INST] hello\n[INST] how are you [/INST] fine thanks\n';
  const opts = {
    shardTokens: 512,
    validationEvery: 10,
    vocab: { targetSize: 120 },
    newId: () => 'ds',
  };

  it('writes shards whose documents each end in <eos>, split deterministically', async () => {
    const store = new MemoryShardStore();
    const progress: ImportProgress[] = [];
    const { manifest } = await importDataset([file('a.txt', text), file('chat.txt', chat)], store, {
      ...opts,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(manifest.status).toBe('complete');
    expect(manifest.train.documents + manifest.validation.documents).toBe(402);
    expect(manifest.validation.documents).toBe(40);
    expect(manifest.repeated).toBe(0);
    expect(manifest.files.map((f) => f.documents)).toEqual([400, 2]);
    expect(manifest.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const tok = ChunkTokenizer.fromJSON(manifest.tokenizer);
    expect(manifest.tokenizerId).toBe(tok.identity());
    const train = await allTokens(store, 'ds', 'train', manifest.train.shards);
    expect(train).toHaveLength(manifest.train.tokens);
    expect(manifest.train.shards).toBe(Math.ceil(manifest.train.tokens / 512));
    expect(train.filter((t) => t === EOS_ID)).toHaveLength(manifest.train.documents);
    expect(train.at(-1)).toBe(EOS_ID);
    // The stream decodes back to the documents, in order, minus validation ones.
    const docs = tok.decode(train).split('<eos>');
    expect(docs[0]).toBe(text.split('\n')[0].toLowerCase());
    expect(docs[9]).toBe(text.split('\n')[10].toLowerCase());
    // The chat file: the template's <eos> ends the document, no second one is added.
    expect(tok.decode(train).endsWith('[INST] how are you [/INST] fine thanks<eos>')).toBe(true);
    // The length histogram: every document of both splits in its power-of-two bucket.
    const want: number[] = [];
    const validation = await allTokens(store, 'ds', 'validation', manifest.validation.shards);
    for (const stream of [train, validation]) {
      let start = 0;
      stream.forEach((t, i) => {
        if (t !== EOS_ID) return;
        const k = Math.floor(Math.log2(i + 1 - start));
        want[k] = (want[k] ?? 0) + 1;
        start = i + 1;
      });
    }
    expect(manifest.lengths).toEqual(Array.from(want, (n) => n ?? 0));
    expect(manifest.lengths!.reduce((a, b) => a + b, 0)).toBe(402);
    expect(progress.at(-1)).toMatchObject({
      phase: 'tokenize',
      bytesDone: progress.at(-1)!.bytesTotal,
    });
    expect(progress.some((p) => p.phase === 'scan')).toBe(true);

    const again = new MemoryShardStore();
    await importDataset([file('a.txt', text), file('chat.txt', chat)], again, opts);
    expect(await allTokens(again, 'ds', 'train', manifest.train.shards)).toEqual(train);
  });

  it('holds out every k-th document, or the last of a short set', () => {
    expect([0, 1, 2, 3].map((i) => isValidationDocument(i, 4, 10))).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(isValidationDocument(0, 1, 10)).toBe(false);
    expect(isValidationDocument(9, 100, 10)).toBe(true);
    expect(isValidationDocument(10, 100, 10)).toBe(false);
    expect([1, 4, 100, 105].map((n) => lastValidationDocument(n, 10))).toEqual([-1, 3, 99, 99]);
  });

  it('sends a repeated document where its first copy went (or drops it, or places it), unless validation would be empty', () => {
    // New documents go by their place.
    expect(documentSplit(9, 100, 10, undefined, 0)).toBe('validation');
    expect(documentSplit(8, 100, 10, undefined, 0)).toBe('train');
    // Repeats follow their first copy, from either split to either place.
    expect(documentSplit(9, 100, 10, 'train', 0)).toBe('train');
    expect(documentSplit(8, 100, 10, 'validation', 3)).toBe('validation');
    expect(documentSplit(19, 100, 10, 'train', 1)).toBe('train');
    // The last place of validation with validation still empty takes a training repeat.
    expect(documentSplit(99, 100, 10, 'train', 0)).toBe('validation');
    expect(documentSplit(99, 100, 10, 'train', 1)).toBe('train');
    expect(documentSplit(3, 4, 10, 'train', 0)).toBe('validation');
    // Dropped: a repeat is not kept, but for the one that keeps validation from being empty.
    expect(documentSplit(9, 100, 10, 'train', 0, 'drop')).toBeUndefined();
    expect(documentSplit(8, 100, 10, 'validation', 3, 'drop')).toBeUndefined();
    expect(documentSplit(99, 100, 10, 'train', 0, 'drop')).toBe('validation');
    expect(documentSplit(9, 100, 10, undefined, 0, 'drop')).toBe('validation');
    // By place: every document where its place puts it.
    expect(documentSplit(9, 100, 10, 'train', 0, 'by-place')).toBe('validation');
    expect(documentSplit(8, 100, 10, 'validation', 3, 'by-place')).toBe('train');
  });

  it('keeps repeated documents out of the other split, and counts them', async () => {
    const lines = corpusLines(60, 7);
    // Each line thrice, far apart: the copies fall on training and validation places alike.
    const store = new MemoryShardStore();
    const { manifest } = await importDataset(
      [file('r.txt', [...lines, ...lines, ...lines].join('\n'))],
      store,
      opts,
    );
    const distinct = new Set(lines).size;
    expect(manifest.repeated).toBe(180 - distinct);
    expect(manifest.crossSplit).toBe(0);
    expect(manifest.repeats).toBe('first-copy');
    const tok = ChunkTokenizer.fromJSON(manifest.tokenizer);
    const docsOf = async (split: 'train' | 'validation', shards: number) =>
      tok
        .decode(await allTokens(store, 'ds', split, shards))
        .split('<eos>')
        .slice(0, -1);
    const train = new Set(await docsOf('train', manifest.train.shards));
    const validation = await docsOf('validation', manifest.validation.shards);
    expect(validation.length).toBe(manifest.validation.documents);
    expect(validation.length).toBeGreaterThan(0);
    expect(validation.filter((d) => train.has(d))).toEqual([]);
    expect(manifest.train.documents + manifest.validation.documents).toBe(180);

    // Every document the same: validation still gets one, said to be shared with training.
    const same = await importDataset(
      [file('s.txt', Array(30).fill('the cat').join('\n'))],
      new MemoryShardStore(),
      opts,
    );
    expect(same.manifest.validation.documents).toBe(1);
    expect(same.manifest.repeated).toBe(29);
    expect(same.manifest.crossSplit).toBe(1);

    // By place, as before repeats were told apart: every k-th, whatever it repeats.
    const byPlace = await importDataset(
      [file('r.txt', [...lines, ...lines, ...lines].join('\n'))],
      new MemoryShardStore(),
      { ...opts, repeats: 'by-place' },
    );
    expect(byPlace.manifest.validation.documents).toBe(18);
    expect(byPlace.manifest.repeated).toBe(180 - distinct);
    expect(byPlace.manifest.crossSplit).toBeGreaterThan(0);

    // Dropped: each distinct document stored once, where its first copy went.
    const dropStore = new MemoryShardStore();
    const dropped = await importDataset(
      [file('r.txt', [...lines, ...lines, ...lines].join('\n'))],
      dropStore,
      { ...opts, repeats: 'drop' },
    );
    const m = dropped.manifest;
    expect(m.train.documents + m.validation.documents).toBe(distinct);
    expect(m.repeated).toBe(180 - distinct);
    expect(m.crossSplit).toBe(0);
    expect(m.lengths?.reduce((a, b) => a + b, 0)).toBe(distinct);
    const stored = [
      ...tok.decode(await allTokens(dropStore, 'ds', 'train', m.train.shards)).split('<eos>'),
      ...tok
        .decode(await allTokens(dropStore, 'ds', 'validation', m.validation.shards))
        .split('<eos>'),
    ].filter(Boolean);
    expect(new Set(stored).size).toBe(distinct);
    // One document over and over: its first copy trains, one more keeps validation from being empty.
    const one = await importDataset(
      [file('s.txt', Array(30).fill('the cat').join('\n'))],
      new MemoryShardStore(),
      { ...opts, repeats: 'drop' },
    );
    expect([one.manifest.train.documents, one.manifest.validation.documents]).toEqual([1, 1]);
    expect(one.manifest.crossSplit).toBe(1);
  });

  it('refuses duplicate and bad files with reasons and imports the rest', async () => {
    const store = new MemoryShardStore();
    const { manifest, rejected } = await importDataset(
      [file('a.txt', text), file('copy.txt', text), file('b.bin', 'x'), file('z.txt', '\0\0')],
      store,
      opts,
    );
    expect(manifest.files.map((f) => f.name)).toEqual(['a.txt']);
    expect(rejected.map((r) => r.kind)).toEqual(['duplicate', 'unsupported', 'binary']);
    expect(rejected[0].message).toMatch(/copy\.txt: is the same file as a\.txt/);
    // Against files of existing datasets too.
    const again = importDataset([file('a2.txt', text)], store, {
      ...opts,
      knownFiles: [
        { sha256: manifest.files[0].sha256!, size: manifest.files[0].size, dataset: 'A' },
      ],
    });
    await expect(again).rejects.toMatchObject({ kind: 'no-files', message: /same file as "A"/ });
  });

  it('keeps the case of an import that is mostly source code, lowercasing as asked otherwise', async () => {
    const code = 'MAX_SIZE = 10\nif True:\n    print(MAX_SIZE)\n';
    const lower = { ...opts, vocab: { targetSize: 300, lowercase: true } };
    const manifestOf = async (files: File[]) =>
      (await importDataset(files, new MemoryShardStore(), lower)).manifest;
    const py = await manifestOf([file('a.py', code), file('notes.txt', 'A short note.')]);
    expect(py.tokenizer.lowercase).toBe(false);
    expect(py.tokenizer.vocab).toContain('M');
    const prose = await manifestOf([file('a.py', code), file('notes.txt', text)]);
    expect(prose.tokenizer.lowercase).toBe(true);
    expect(prose.tokenizer.vocab).not.toContain('M');
  });

  it('resumes an interrupted import to the same shards', async () => {
    const clean = new MemoryShardStore();
    const { manifest: want } = await importDataset([file('a.txt', text)], clean, opts);
    const crashing = new FailingStore(3, () => new Error('tab closed'));
    await expect(importDataset([file('a.txt', text)], crashing, opts)).rejects.toThrow(
      'tab closed',
    );
    const partial = await crashing.getManifest('ds');
    expect(partial?.status).toBe('importing');
    expect(crashing.shards.size).toBe(2);
    // The same files (by name and size) find it; other files, or a complete dataset, do not.
    const manifests = await crashing.listManifests();
    expect(interruptedImport([file('a.txt', text)], manifests)).toEqual(partial);
    expect(interruptedImport([file('a.txt', `${text}!`)], manifests)).toBeUndefined();
    expect(interruptedImport([file('a.txt', text)], [want])).toBeUndefined();
    const { manifest } = await importDataset([file('a.txt', text)], crashing, {
      ...opts,
      resume: partial,
    });
    expect(manifest).toEqual({ ...want, createdAt: manifest.createdAt });
    for (const split of ['train', 'validation'] as const) {
      expect(await allTokens(crashing, 'ds', split, manifest[split].shards)).toEqual(
        await allTokens(clean, 'ds', split, want[split].shards),
      );
    }
    const other = importDataset([file('b.txt', 'different')], crashing, {
      ...opts,
      resume: partial,
    });
    await expect(other).rejects.toMatchObject({ kind: 'resume-mismatch' });
  });

  it('deletes a cancelled or over-quota import and keeps earlier datasets', async () => {
    const quota = () => Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    const store = new FailingStore(Infinity, quota);
    await importDataset([file('a.txt', text)], store, { ...opts, newId: () => 'first' });
    store.failAt = store.writes + 3;
    const err = await importDataset(
      [file('b.txt', corpusLines(300, 7).join('\n'))],
      store,
      opts,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.kind).toBe('quota');
    expect(err.message).toMatch(/storage is full/);
    expect((await store.listManifests()).map((m) => m.id)).toEqual(['first']);
    expect([...store.shards.keys()].every((k) => k.startsWith('first/'))).toBe(true);

    const ctrl = new AbortController();
    const cancelled = importDataset([file('c.txt', corpusLines(300, 9).join('\n'))], store, {
      ...opts,
      signal: ctrl.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.phase === 'tokenize') ctrl.abort();
      },
    });
    await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
    expect((await store.listManifests()).map((m) => m.id)).toEqual(['first']);
  });

  it('keeps an import cut off by a closing page to resume: its writes abort, no one cancelled', async () => {
    // IndexedDB aborts a closing page's transactions (AbortError): not the user's cancel.
    const closing = new FailingStore(3, () => new DOMException('the page closed', 'AbortError'));
    const d = file('d.txt', corpusLines(300, 11).join('\n'));
    await expect(importDataset([d], closing, { ...opts, newId: () => 'cut' })).rejects.toThrow(
      'the page closed',
    );
    const left = await closing.getManifest('cut');
    expect(left?.status).toBe('importing');
    expect(interruptedImport([d], await closing.listManifests())).toEqual(left);
  });
});

describe('ShardReader', () => {
  async function dataset() {
    const store = new MemoryShardStore();
    const { manifest } = await importDataset([file('a.txt', corpusLines(600).join('\n'))], store, {
      shardTokens: 300,
      validationEvery: 8,
      vocab: { targetSize: 100 },
      newId: () => 'r',
    });
    const train = await allTokens(store, 'r', 'train', manifest.train.shards);
    const validation = await allTokens(store, 'r', 'validation', manifest.validation.shards);
    return { source: storeSource(store, manifest), train, validation };
  }

  it('draws seeded random windows of T+1 consecutive training tokens, across shards', async () => {
    const { source, train } = await dataset();
    const T = 16;
    const reader = new ShardReader(source, { batchSize: 4, seqLen: T, seed: 7 });
    const joined = train.join(',');
    let crossed = false;
    const epochs: number[] = [];
    for (let b = 0; b < 200 && reader.cursor().epoch === 0; b++) {
      const { tokens, rows } = await reader.nextBatch();
      epochs.push(reader.epochs());
      expect(rows).toBe(4);
      for (let r = 0; r < rows; r++) {
        const win = [...tokens.subarray(r * (T + 1), (r + 1) * (T + 1))];
        expect(joined.includes(win.join(','))).toBe(true);
      }
    }
    // The draws went through every shard and started a new epoch.
    expect(reader.cursor().epoch).toBe(1);
    // Passes over the data: each batch of 4 windows adds the same share of the epoch's windows,
    // until the last batch runs into the next epoch.
    const share = epochs[0];
    expect(share).toBeGreaterThan(0);
    epochs.slice(0, -1).forEach((e, b) => {
      expect(e).toBeCloseTo((b + 1) * share, 9);
    });
    expect(epochs.at(-2)).toBeLessThanOrEqual(1);
    expect(epochs.at(-1)).toBeGreaterThan(1);
    const other = await new ShardReader(source, { batchSize: 4, seqLen: T, seed: 8 }).nextBatch();
    const first = await new ShardReader(source, { batchSize: 4, seqLen: T, seed: 7 }).nextBatch();
    expect([...other.tokens]).not.toEqual([...first.tokens]);
    // A window that starts near a shard's end continues into the next shard.
    const spans = new ShardReader(source, { batchSize: 64, seqLen: 250, seed: 1 });
    for (let b = 0; b < 5 && !crossed; b++) {
      const { tokens } = await spans.nextBatch();
      for (let r = 0; r < 64; r++) {
        const win = [...tokens.subarray(r * 251, (r + 1) * 251)].join(',');
        expect(joined.includes(win)).toBe(true);
        crossed ||= !train.slice(0, 300).join(',').includes(win);
      }
    }
    expect(crossed).toBe(true);
  });

  it('continues exactly from a saved cursor', async () => {
    const { source } = await dataset();
    const opts = { batchSize: 3, seqLen: 8, seed: 42 };
    const a = new ShardReader(source, opts);
    for (let i = 0; i < 13; i++) await a.nextBatch();
    const saved = JSON.parse(JSON.stringify(a.cursor()));
    const expected = [];
    for (let i = 0; i < 30; i++) expected.push([...(await a.nextBatch()).tokens]);
    const b = new ShardReader(source, opts, saved);
    for (let i = 0; i < 30; i++) expect([...(await b.nextBatch()).tokens]).toEqual(expected[i]);
  });

  it('reads validation windows in order with stride T', async () => {
    const { source, validation } = await dataset();
    const T = 10;
    const reader = new ShardReader(source, { batchSize: 5, seqLen: T, seed: 0 });
    const rows: number[][] = [];
    for await (const b of reader.validationBatches()) {
      for (let r = 0; r < b.rows; r++)
        rows.push([...b.tokens.subarray(r * (T + 1), (r + 1) * (T + 1))]);
    }
    expect(rows).toHaveLength(Math.floor((validation.length - 1) / T));
    for (const [w, row] of rows.entries())
      expect(row).toEqual(validation.slice(w * T, w * T + T + 1));
    let n = 0;
    for await (const _ of reader.validationBatches(2)) n++;
    expect(n).toBe(2);
  });

  it('refuses datasets shorter than one window', async () => {
    const store = new MemoryShardStore();
    const { manifest } = await importDataset([file('t.txt', 'tiny')], store, { newId: () => 't' });
    expect(
      () => new ShardReader(storeSource(store, manifest), { batchSize: 1, seqLen: 64, seed: 0 }),
    ).toThrow('"t.txt" has 5 training tokens, fewer than one window of 65');
    // Its 5 tokens make one window of a context of 4, none of 5.
    expect(tooShortToTrain(manifest, 4)).toBeUndefined();
    expect(tooShortToTrain(manifest, 5)).toContain('fewer than one window of 6');
  });
});

describe('loadTextCorpus', () => {
  it('streams a file from disk into a tokenizer and shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const path = join(dir, 'c.txt');
    writeFileSync(path, corpusLines(200).join('\n'));
    const { tokenizer, source } = await loadTextCorpus(path, { vocab: { targetSize: 100 } });
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(100);
    expect(source.manifest.files[0].name).toBe('c.txt');
    const { tokens } = await new ShardReader(source, {
      batchSize: 2,
      seqLen: 8,
      seed: 1,
    }).nextBatch();
    expect(tokens).toHaveLength(18);
  });
});
