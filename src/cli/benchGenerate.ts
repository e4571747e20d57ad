// npm run bench:generate — batch-1 generation speed of the incremental decoder (src/model/decode.ts)
// on whatever WebGPU adapter Dawn finds: a preset with random weights (i3-22m, V 4466, by default),
// a random prompt, then generated tokens with the default sampling and no stop token. Reports the
// median over runs, after one warm-up run, of decode tokens/s (the tokens after the first) and of
// the time to the first token (prefill + first draw). Then where a token's time goes: the rate of
// steps queued back to back with no readback (the GPU's and the encoder's bound), the CPU time to
// record one step, and a per-kernel profile of one token (timestamp queries where available).
// Last, what scoring a prompt (the chat's token view: appendScored, attention maps included) adds
// to appending it, at the prompt length and at the whole window; and a reply's maps alone
// (mapAttention) against scoring the same tokens.
//
//   tsx src/cli/benchGenerate.ts [--preset i3-22m] [--tokens 64] [--runs 5] [--prompt 32]

import { parseArgs } from 'node:util';
import { describeAdapter } from '../gpu/device';
import { Profiler } from '../gpu/profiler';
import { parameterCount, presetConfig } from '../model/config';
import { I3Decoder } from '../model/decode';
import { initParameters } from '../model/init';
import { DEFAULT_SAMPLING } from '../model/sampling';
import { median } from '../util/median';
import { Rng } from '../util/random';
import { intFlag, presetOf } from './args';
import { benchRuntime } from './benchSetup';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'i3-22m' },
    tokens: { type: 'string', default: '64' },
    runs: { type: 'string', default: '5' },
    prompt: { type: 'string', default: '32' },
  },
});
const config = presetConfig(presetOf(values.preset));
const tokens = Math.max(2, intFlag('tokens', values.tokens));
const runs = intFlag('runs', values.runs);
const promptLength = intFlag('prompt', values.prompt);

/** One generation: ms to the first token, and decode tokens/s over the rest. */
async function generateOnce(decoder: I3Decoder, n: number, seed: number) {
  const rng = new Rng(seed);
  const prompt = Uint32Array.from({ length: promptLength }, () => rng.int(config.vocab_size));
  const start = performance.now();
  let first = 0;
  let count = 0;
  const gen = decoder.generate(prompt, { maxNewTokens: n, stopTokens: [], sampling: { seed } });
  for await (const _ of gen) {
    if (count++ === 0) first = performance.now();
  }
  const end = performance.now();
  return { firstMs: first - start, tokensPerSecond: ((count - 1) * 1000) / (end - first) };
}

const rt = await benchRuntime();
const decoder = await I3Decoder.create(rt, config);
decoder.loadParams(initParameters(config, 1));
console.log(
  `${values.preset} (${(parameterCount(config) / 1e6).toFixed(2)}M parameters, V ${config.vocab_size}) ` +
    `on ${describeAdapter(rt.info)}; prompt ${promptLength}, ${tokens} new tokens, ${runs} runs`,
);
await generateOnce(decoder, Math.min(tokens, 8), 0);
const results = [];
for (let r = 1; r <= runs; r++) {
  const res = await generateOnce(decoder, tokens, r);
  console.log(
    `  run ${r}: ${res.tokensPerSecond.toFixed(1)} tokens/s, first token ${res.firstMs.toFixed(1)} ms`,
  );
  results.push(res);
}
console.log(
  `median: ${median(results.map((r) => r.tokensPerSecond)).toFixed(1)} tokens/s decode, ` +
    `${median(results.map((r) => r.firstMs)).toFixed(1)} ms to the first token`,
);

// Steps queued back to back (accept() records and submits one step + head, no readback).
const queuedRates: number[] = [];
const recordMs: number[] = [];
for (let r = 0; r < runs; r++) {
  decoder.reset();
  await decoder.append(Uint32Array.from({ length: promptLength }, (_, i) => i % config.vocab_size));
  await rt.finish();
  const start = performance.now();
  for (let i = 0; i < tokens; i++) {
    const t0 = performance.now();
    decoder.accept();
    recordMs.push(performance.now() - t0);
  }
  await rt.finish();
  queuedRates.push((tokens * 1000) / (performance.now() - start));
}
console.log(
  `steps queued without readback: ${median(queuedRates).toFixed(1)} tokens/s; ` +
    `recording + submitting one step: ${median(recordMs).toFixed(3)} ms of CPU`,
);

// One generated token: its step, the head and the sampler.
const profiler = new Profiler(rt).attach();
for (let i = 0; i < 3; i++) {
  await decoder.acceptAndSample({ ...DEFAULT_SAMPLING, seed: i }, i + 1);
  await profiler.collect();
}
profiler.detach();
const timings = profiler.report();
const perToken = timings.reduce((sum, t) => sum + t.totalMs, 0) / 3;
const byShader = new Map<string, { ms: number; n: number }>();
for (const t of timings) {
  const e = byShader.get(t.shader) ?? { ms: 0, n: 0 };
  byShader.set(t.shader, { ms: e.ms + t.totalMs / 3, n: e.n + t.count / 3 });
}
console.log(
  `profile of one token (${profiler.method}, one pass per launch): ${perToken.toFixed(3)} ms of kernels`,
);
for (const [shader, e] of [...byShader].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(
    `  ${shader.padEnd(24)} ${String(e.n).padStart(4)} launches  ${e.ms.toFixed(3)} ms  ` +
      `${((100 * e.ms) / perToken).toFixed(1)}%`,
  );
}
profiler.destroy();

/**
 * Two ways of putting `tokens` into an empty context, alternating for `runs` rounds after a
 * warm-up round (which builds both paths' pipelines), each timed until the GPU is done: medians.
 */
async function alternate(
  tokens: Uint32Array,
  a: (t: Uint32Array) => Promise<unknown>,
  b: (t: Uint32Array) => Promise<unknown>,
): Promise<[number, number]> {
  const ms: [number[], number[]] = [[], []];
  for (let r = 0; r <= runs; r++) {
    for (const [k, f] of [a, b].entries()) {
      decoder.reset();
      const t0 = performance.now();
      await f(tokens);
      await rt.finish();
      if (r > 0) ms[k].push(performance.now() - t0);
    }
  }
  return [median(ms[0]), median(ms[1])];
}

const tokensOf = (n: number, step: number) =>
  Uint32Array.from({ length: n }, (_, i) => (i * step) % config.vocab_size);

// A prompt scored against the same prompt appended.
for (const n of new Set([promptLength, config.max_seq_len])) {
  const [a, s] = await alternate(
    tokensOf(n, 7),
    (t) => decoder.append(t),
    (t) => decoder.appendScored(t, { attention: true }),
  );
  console.log(
    `prompt of ${n} tokens: appended ${a.toFixed(2)} ms, scored ${s.toFixed(2)} ms ` +
      `(${(s / a).toFixed(2)}× appending it)`,
  );
}
// A reply's attention maps (the chat's token view, once a reply ends): mapAttention against
// appendScored of the same tokens, as the chat made them before. Past the window appendScored
// also steps every further token through the head.
for (const n of [config.max_seq_len, config.max_seq_len + 128]) {
  const [s, m] = await alternate(
    tokensOf(n, 11),
    (t) => decoder.appendScored(t, { attention: true }),
    (t) => decoder.mapAttention(t),
  );
  console.log(
    `maps of ${n} tokens: scored ${s.toFixed(2)} ms, mapped ${m.toFixed(2)} ms ` +
      `(${(s / m).toFixed(2)}× faster mapped)`,
  );
}
decoder.destroy();
process.exit(0);
