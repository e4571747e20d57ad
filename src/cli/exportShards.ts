// Tokenizes text files into the shard export that PyTorch's train_i3.py reads (docs/scale-out.md).
//   npm run export:shards -- --data corpus.txt[,more.jsonl…] --out shards/ [--vocab 4466]
//     [--tokenizer bundle/tokenizer.json] [--validation-every 20] [--shard-tokens 1048576]
// --out ending in .zip writes the stored zip the Data pane downloads; otherwise a folder.
// --tokenizer reuses a bundle's tokenizer (needed to continue that bundle); else one is trained.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { chunkTokenizerFromHuggingFace } from '../data/huggingFace';
import { loadTextCorpus } from '../data/nodeCorpus';
import { shardExportFiles, zipExportFiles } from '../data/shardExport';
import { DEFAULT_VOCAB_SIZE } from '../model/config';
import { numberArg, parseArgs } from './args';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.data || !args.out)
    throw new Error('--data <file[,file…]> and --out <dir|file.zip> are required');
  const tokenizer = args.tokenizer
    ? chunkTokenizerFromHuggingFace(JSON.parse(await readFile(args.tokenizer, 'utf8')))
    : undefined;
  const started = performance.now();
  const corpus = await loadTextCorpus(args.data.split(','), {
    tokenizer,
    vocab: { targetSize: numberArg(args, 'vocab', DEFAULT_VOCAB_SIZE) },
    validationEvery: numberArg(args, 'validation-every', 20),
    shardTokens: numberArg(args, 'shard-tokens', 1 << 20),
  });
  const m = corpus.source.manifest;
  const files = shardExportFiles(corpus.store, m);
  if (args.out.endsWith('.zip')) {
    await mkdir(dirname(args.out), { recursive: true });
    const zip = Readable.fromWeb(zipExportFiles(files) as NodeReadableStream<Uint8Array>);
    await pipeline(zip, createWriteStream(args.out));
  } else {
    await mkdir(args.out, { recursive: true });
    for (const f of files) await writeFile(join(args.out, f.name), await f.load());
  }
  console.log(
    `${args.out}: ${m.train.tokens.toLocaleString('en-US')} train / ${m.validation.tokens.toLocaleString('en-US')} validation tokens in ${m.train.shards + m.validation.shards} shards, vocabulary ${corpus.tokenizer.vocabSize} (${corpus.tokenizer.identity().slice(0, 12)}…), ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
