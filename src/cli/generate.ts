// Text from a checkpoint in Node (WebGPU through Dawn), as the studio's chat pane makes it: the
// completion of --prompt, or with --chat the reply to it as a user message (the chat template).
//   npm run generate -- --checkpoint runs/tiny/checkpoint-000500.bin --prompt "this movie was"
// Flags: --checkpoint (a checkpoint file or a bundle: src/cli/checkpointArg.ts), --prompt, --chat,
// --max-new-tokens (64), --temperature, --top-k, --top-p, --repetition-penalty (the chat pane's
// defaults), --seed (1234).
import { acquireNodeGpu, nodeShaders } from '../gpu/nodeGpu';
import { GpuRuntime } from '../gpu/runtime';
import { I3Decoder } from '../model/decode';
import { DEFAULT_SAMPLING } from '../model/sampling';
import {
  generateText,
  generationTokenizer,
  promptIds,
  type TextPrompt,
} from '../model/textGeneration';
import { numberArg, parseArgs } from './args';
import { loadCheckpoint } from './checkpointArg';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.checkpoint || args.prompt === undefined) {
    throw new Error('usage: --checkpoint ckpt.bin --prompt "…" [--chat]');
  }
  const { meta, params } = await loadCheckpoint(args.checkpoint);
  const tokenizer = generationTokenizer(meta);
  const rt = new GpuRuntime(await acquireNodeGpu(), nodeShaders);
  const decoder = await I3Decoder.create(rt, meta.config);
  decoder.loadParams(params);
  const maxNewTokens = numberArg(args, 'max-new-tokens', 64);
  const prompt: TextPrompt =
    args.chat === 'true'
      ? { mode: 'chat', messages: [{ role: 'user', content: args.prompt }] }
      : { mode: 'completion', text: args.prompt };
  const { ids } = promptIds(tokenizer, prompt, decoder.window, maxNewTokens);
  const sampling = {
    temperature: numberArg(args, 'temperature', DEFAULT_SAMPLING.temperature),
    topK: numberArg(args, 'top-k', DEFAULT_SAMPLING.topK),
    topP: numberArg(args, 'top-p', DEFAULT_SAMPLING.topP),
    repetitionPenalty: numberArg(args, 'repetition-penalty', DEFAULT_SAMPLING.repetitionPenalty),
    seed: numberArg(args, 'seed', 1234),
  };
  const texts = generateText(decoder, tokenizer, ids, { sampling, maxNewTokens });
  process.stdout.write(prompt.mode === 'chat' ? `[user] ${args.prompt}\n[model]` : args.prompt);
  let next = await texts.next();
  for (; !next.done; next = await texts.next()) process.stdout.write(next.value.text);
  process.stdout.write(`\n[${next.value}]\n`);
  // Exiting with GPU work still queued (the decoder's last step) crashed Dawn on SwiftShader.
  decoder.destroy();
  await rt.finish();
  process.exit(0);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
