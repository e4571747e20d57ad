// The studio's own WGSL forward on a text, for comparing an exported bundle elsewhere:
//   tsx src/cli/logits.ts --checkpoint ckpt.bin --text "the cat" --out studio_logits.json
// Writes {text, ids, logits} (logits: ids.length × vocab, row-major), the input of
// src/export/hf/check_transformers.py --expect.
import { writeFile } from 'node:fs/promises';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { acquireNodeGpu, nodeShaders } from '../gpu/nodeGpu';
import { GpuRuntime } from '../gpu/runtime';
import { I3Model } from '../model/i3';
import { parseArgs } from './args';
import { loadCheckpoint } from './checkpointArg';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.checkpoint || !args.text || !args.out) {
    throw new Error('usage: --checkpoint ckpt.bin --text "…" --out logits.json');
  }
  const ck = await loadCheckpoint(args.checkpoint);
  const ids = Array.from(ChunkTokenizer.fromJSON(ck.meta.tokenizer).encode(args.text));
  const T = ids.length;
  if (T === 0 || T > ck.meta.config.max_seq_len) {
    throw new Error(`the text gives ${T} tokens; 1..${ck.meta.config.max_seq_len} fit the context`);
  }
  const rt = new GpuRuntime(await acquireNodeGpu(), nodeShaders);
  const model = await I3Model.create(rt, ck.meta.config, { B: 1, T });
  model.loadState(ck.params);
  const logits = await model.forwardLogits(Uint32Array.from(ids));
  await writeFile(args.out, JSON.stringify({ text: args.text, ids, logits: Array.from(logits) }));
  console.log(`${T} tokens → ${args.out}`);
  process.exit(0);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
