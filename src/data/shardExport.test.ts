import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { textFile } from '../train/testCorpus';
import { Rng } from '../util/random';
import { ChunkTokenizer } from './chunkTokenizer';
import { importDataset } from './importer';
import {
  exportShardsZip,
  type ShardExportManifest,
  shardExportFiles,
  zipExportFiles,
} from './shardExport';
import { type DatasetManifest, MemoryShardStore, type Split } from './shardStore';

/** A dataset of several shards per split, the last of each shorter than the rest. */
async function dataset(): Promise<{ store: MemoryShardStore; manifest: DatasetManifest }> {
  const rng = new Rng(7);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
  const lines = Array.from({ length: 400 }, () =>
    Array.from({ length: 3 + rng.int(8) }, () => words[rng.int(words.length)]).join(' '),
  );
  const store = new MemoryShardStore();
  const { manifest } = await importDataset([textFile('words.txt', lines.join('\n'))], store, {
    vocab: { targetSize: 80 },
    shardTokens: 1000,
    validationEvery: 5,
    newId: () => 'words',
  });
  return { store, manifest };
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('shard export', () => {
  it('writes every shard as raw little-endian uint16 with a manifest', async () => {
    const { store, manifest: m } = await dataset();
    expect(m.train.shards).toBeGreaterThan(2);
    expect(m.validation.shards).toBeGreaterThan(1);
    const zip = await readStream(exportShardsZip(store, m));
    const files = unzipSync(zip);
    const manifest = JSON.parse(
      new TextDecoder().decode(files['manifest.json']),
    ) as ShardExportManifest;
    const tokenizer = ChunkTokenizer.fromJSON(m.tokenizer);
    expect(manifest).toMatchObject({
      format: 'i3-shards',
      dtype: 'uint16',
      byte_order: 'little',
      vocab_size: tokenizer.vocabSize,
      tokenizer_id: tokenizer.identity(),
      tokenizer_json: tokenizer.toHuggingFaceJson(),
      eos_token_id: 3,
    });
    const names = ['manifest.json'];
    for (const split of ['train', 'validation'] as Split[]) {
      const info = manifest.splits[split];
      expect(info.tokens).toBe(m[split].tokens);
      expect(info.shards.reduce((n, s) => n + s.tokens, 0)).toBe(m[split].tokens);
      for (const [i, s] of info.shards.entries()) {
        names.push(s.file);
        expect(s.file).toBe(`${split}_${String(i).padStart(3, '0')}.bin`);
        const bytes = files[s.file];
        expect(bytes.length).toBe(2 * s.tokens);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const read = Uint16Array.from({ length: s.tokens }, (_, k) => view.getUint16(2 * k, true));
        expect(read).toEqual(await store.getShard(m.id, split, i));
      }
    }
    expect(Object.keys(files)).toEqual(names);
    // Stored entries whose data starts 64-byte aligned: a reader can map them in place.
    const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let at = 0;
    let entries = 0;
    while (dv.getUint32(at, true) === 0x04034b50) {
      expect(dv.getUint16(at + 8, true)).toBe(0); // method: stored
      const nameLen = dv.getUint16(at + 26, true);
      const extraLen = dv.getUint16(at + 28, true);
      const name = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLen));
      const start = at + 30 + nameLen + extraLen;
      expect(start % 64, name).toBe(0);
      // Streamed entries carry their sizes in a data descriptor (16 bytes with its signature).
      at = start + files[name].length + 16;
      entries++;
    }
    expect(entries).toBe(names.length);
  });

  it('reads each shard only when the zip reaches it', async () => {
    const { store, manifest: m } = await dataset();
    let written = '';
    const loads: string[] = [];
    const files = shardExportFiles(store, m).map((f, j, all) => ({
      name: f.name,
      load: () => {
        // File j is read only once the zip has begun entry j - 1 (its name is in a local header):
        // one file ahead at most.
        if (j > 0) expect(written.includes(all[j - 1].name), f.name).toBe(true);
        loads.push(f.name);
        return f.load();
      },
    }));
    const reader = zipExportFiles(files).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      written += new TextDecoder('latin1').decode(r.value);
    }
    expect(loads).toEqual(files.map((f) => f.name));
  });

  it('refuses a dataset whose import did not finish', async () => {
    const { store, manifest } = await dataset();
    expect(() => shardExportFiles(store, { ...manifest, status: 'importing' })).toThrow(
      /not completely imported/,
    );
  });
});
