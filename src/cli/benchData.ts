// npm run bench:data — throughput of the dataset pipeline on generated text streamed from disk:
// the scan pass (parse + hash + vocabulary counting) and the tokenize pass (parse + encode +
// shards), in MB/s, median of several runs, with peak memory sampled every 20 ms. Two file sizes
// show whether memory stays flat as the file grows. Target: ≥ 20 MB/s for tokenization. The larger
// file is also read gzipped, zipped and, where the zstd tool is installed, as .zst (MB/s of its
// text, so that the rows compare with the plain file's).
//
//   tsx src/cli/benchData.ts [--mb 100] [--runs 3]

import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { zipSync } from 'fflate';
import { newReport, parseFile } from '../data/formats';
import { importDataset } from '../data/importer';
import { fileInput } from '../data/nodeCorpus';
import { MemoryShardStore, type ShardStore } from '../data/shardStore';
import type { InputFile } from '../data/textStream';
import { TokenBuffer } from '../data/tokenBuffer';
import { VocabCounter } from '../data/vocabTrainer';
import { openArchives } from '../data/zipArchive';
import { median } from '../util/median';
import { Rng } from '../util/random';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } },
});
const MB = 1e6;

/** English-like text: words drawn from a Zipf-ish vocabulary, sentences, one document a line. */
async function generate(path: string, bytes: number): Promise<void> {
  const rng = new Rng(1);
  const syll = [
    'th',
    'e',
    'an',
    're',
    'on',
    'at',
    'en',
    'nd',
    'ti',
    'es',
    'or',
    'te',
    'of',
    'ed',
    'is',
  ];
  const words = Array.from({ length: 5000 }, () => {
    let w = '';
    for (let k = 1 + rng.int(3); k > 0; k--) w += syll[rng.int(syll.length)];
    return w;
  });
  const out = createWriteStream(path);
  let written = 0;
  while (written < bytes) {
    let line = '';
    for (let s = 1 + rng.int(5); s > 0; s--) {
      const n = 4 + rng.int(14);
      for (let i = 0; i < n; i++) {
        const w = words[Math.floor(words.length * rng.next() ** 3)];
        line += i === 0 ? w[0].toUpperCase() + w.slice(1) : ` ${w}`;
      }
      line += rng.next() < 0.1 ? '? ' : rng.next() < 0.1 ? `, ${rng.int(1000)}. ` : '. ';
    }
    line = `${line.trimEnd()}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

/** Runs fn while sampling RSS and heap; returns seconds and the peaks in MB. */
async function measure(fn: () => Promise<void>) {
  if (globalThis.gc) globalThis.gc();
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 20);
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  return { seconds, rssMB: rss / MB, heapMB: heap / MB };
}

/** Drops shards after counting them: the bench measures tokenization, not storage. */
class NullStore extends MemoryShardStore implements ShardStore {
  override async putShard(): Promise<void> {}
}

/** The file at path, or the one file in the archive at path. */
async function benchFile(path: string): Promise<InputFile> {
  return (await openArchives([await fileInput(path)])).files[0];
}

async function bench(path: string, sizeMB: number, runs: number) {
  const scan: number[] = [];
  const tok: number[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  for (let r = 0; r < runs; r++) {
    const file = await benchFile(path);
    let counter = new VocabCounter();
    const s = await measure(async () => {
      const report = newReport(file);
      for await (const doc of parseFile(file, report, { hash: true })) counter.addDocument(doc);
    });
    const tokenizer = counter.build();
    counter = new VocabCounter();
    const t = await measure(async () => {
      const report = newReport(file);
      const buf = new TokenBuffer(1 << 16);
      for await (const doc of parseFile(file, report)) {
        buf.clear();
        tokenizer.encodeInto(doc, buf);
      }
    });
    scan.push(sizeMB / s.seconds);
    tok.push(sizeMB / t.seconds);
    peakRss = Math.max(peakRss, s.rssMB, t.rssMB);
    peakHeap = Math.max(peakHeap, s.heapMB, t.heapMB);
  }
  // The whole importer once (both passes, shard writing into a null store).
  const file = await benchFile(path);
  const all = await measure(async () => {
    await importDataset([file], new NullStore(), { newId: () => 'bench' });
  });
  return {
    sizeMB,
    scanMBs: median(scan),
    tokenizeMBs: median(tok),
    importMBs: sizeMB / all.seconds,
    peakRssMB: Math.max(peakRss, all.rssMB),
    peakHeapMB: Math.max(peakHeap, all.heapMB),
  };
}

/** The compressed copies of `path` to read too: .gz and .zip always, .zst where the zstd tool is. */
async function compressedCopies(path: string): Promise<string[]> {
  await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
  writeFileSync(`${path}.zip`, zipSync({ [basename(path)]: readFileSync(path) }));
  try {
    execFileSync('zstd', ['-q', path, '-o', `${path}.zst`]);
    return [`${path}.gz`, `${path}.zip`, `${path}.zst`];
  } catch {
    console.log('zstd is not installed: no .zst row');
    return [`${path}.gz`, `${path}.zip`];
  }
}

const sizeMB = Number(values.mb);
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'i3-bench-data-'));
try {
  const rows = [];
  for (const mb of [sizeMB / 4, sizeMB]) {
    const path = join(dir, `corpus-${mb}.txt`);
    await generate(path, mb * MB);
    rows.push({ file: '.txt', ...(await bench(path, mb, runs)) });
  }
  const plain = rows.at(-1)!;
  const largest = join(dir, `corpus-${sizeMB}.txt`);
  for (const path of await compressedCopies(largest)) {
    rows.push({ file: `.txt${path.slice(largest.length)}`, ...(await bench(path, sizeMB, runs)) });
  }
  console.table(
    rows.map((r) => ({
      file: r.file,
      'text MB': r.sizeMB,
      'scan MB/s': r.scanMBs.toFixed(1),
      'tokenize MB/s': r.tokenizeMBs.toFixed(1),
      'import MB/s (2 passes)': r.importMBs.toFixed(1),
      'peak RSS MB': r.peakRssMB.toFixed(0),
      'peak heap MB': r.peakHeapMB.toFixed(0),
    })),
  );
  const growth = plain.peakHeapMB - rows[0].peakHeapMB;
  console.log(
    `tokenize ${plain.tokenizeMBs.toFixed(1)} MB/s (target ≥ 20): ${plain.tokenizeMBs >= 20 ? 'ok' : 'BELOW TARGET'}; ` +
      `peak heap grows ${growth.toFixed(0)} MB from ${rows[0].sizeMB} to ${plain.sizeMB} MB of input`,
  );
  for (const r of rows.slice(2)) {
    console.log(
      `${r.file}: import ${(r.importMBs / plain.importMBs).toFixed(2)}× the plain file's speed`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
