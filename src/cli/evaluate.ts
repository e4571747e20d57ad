// A checkpoint's loss on a text in Node (WebGPU through Dawn), as the Checkpoints pane's
// "Evaluate" takes it (src/train/evaluation.ts): the files are tokenized with the checkpoint's own
// tokenizer, and the loss is the mean over their validation split.
//   npm run evaluate -- --checkpoint runs/tiny/checkpoint-000500.bin --data corpus.txt
// Flags: --checkpoint (a checkpoint file or a bundle: src/cli/checkpointArg.ts), --data (any
// supported format; several with commas), --max-tokens (2^20).
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { loadTextCorpus } from '../data/nodeCorpus';
import { describeAdapter } from '../gpu/device';
import { acquireNodeGpu, nodeShaders } from '../gpu/nodeGpu';
import { GpuRuntime } from '../gpu/runtime';
import { EVAL_MAX_TOKENS, evaluateCheckpoint } from '../train/evaluation';
import { perplexity } from '../train/metrics';
import { numberArg, parseArgs } from './args';
import { loadCheckpoint } from './checkpointArg';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.checkpoint || !args.data) {
    throw new Error('usage: --checkpoint ckpt.bin --data file[,file…] [--max-tokens N]');
  }
  const ck = await loadCheckpoint(args.checkpoint);
  const corpus = await loadTextCorpus(args.data.split(','), {
    tokenizer: ChunkTokenizer.fromJSON(ck.meta.tokenizer),
  });
  const ctx = await acquireNodeGpu();
  const rt = new GpuRuntime(ctx, nodeShaders);
  console.log(`adapter: ${describeAdapter(ctx.info)}`);
  const t0 = performance.now();
  const { loss, tokens } = await evaluateCheckpoint(rt, ck, corpus.source, {
    maxTokens: numberArg(args, 'max-tokens', EVAL_MAX_TOKENS),
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `validation: ${tokens.toLocaleString('en-US')} tokens  loss ${loss.toFixed(4)}  ppl ${perplexity(loss).toFixed(2)}  ${seconds.toFixed(2)} s`,
  );
  await rt.finish();
  process.exit(0);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
