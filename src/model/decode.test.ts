import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { compare } from '../ops/check';
import { Rng } from '../util/random';
import { type I3Config, presetConfig } from './config';
import { decoderBytes, I3Decoder } from './decode';
import { I3Model } from './i3';
import { initParameters } from './init';
import { parameterLayout } from './params';
import { referenceLogits } from './reference';
import { type DrawnToken, type SamplingSettings, sampleReference, sampleUniform } from './sampling';
import { tokenOdds } from './tokenOdds';

const config = presetConfig('i3-test');
const { vocab_size: V, max_seq_len: T } = config;

/** Logits (n, V) of one sequence of n tokens under the sliding window W (reference.ts). */
const windowedReferenceLogits = (
  c: I3Config,
  params: ArrayLike<number>,
  ids: ArrayLike<number>,
  W: number,
) => referenceLogits(c, params, ids, 1, ids.length, W);

// ---- fixtures ----

/**
 * initParameters with the embedding ×25 and every out_proj.up ×4: logits of order 1 (not 0.05)
 * and blocks that move the residual stream, so that any wiring error shows.
 */
function testParams(seed: number): Float32Array {
  const params = initParameters(config, seed);
  for (const t of parameterLayout(config).tensors) {
    const scale =
      t.name === 'model.embed_tokens.weight' ? 25 : t.name.endsWith('out_proj.up.weight') ? 4 : 1;
    for (let i = t.offset; i < t.offset + t.size; i++) params[i] *= scale;
  }
  return params;
}

function randomTokens(n: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  return Uint32Array.from({ length: n }, () => rng.int(V));
}

/** Rows from..to−1 of a (rows, V) array. */
const rowsOf = (a: ArrayLike<number>, from: number, to: number) =>
  Float64Array.from({ length: (to - from) * V }, (_, i) => a[from * V + i]);

// fp32 through 2 blocks against float64, logits of order 1: measured errors ≤ 4e-6; 5e-5 leaves
// margin while a wrong state, slot or window errs by ≫ 1e-3.
const tol = { atol: 5e-5, rtol: 5e-5 };
// Two fp32 GPU paths with the same products in other orders (full kernels vs steps): ≤ 2e-6.
const gpuTol = { atol: 2e-5, rtol: 2e-5 };

describe('windowed reference forward', () => {
  it('is the reference forward while the sequence fits the window, and differs past it', () => {
    const params = testParams(1);
    const ids = randomTokens(12, 2);
    const full = referenceLogits(config, params, ids, 1, 12);
    expect(
      compare(windowedReferenceLogits(config, params, ids, T), full, { atol: 1e-10, rtol: 1e-10 }),
    ).toBeNull();
    const narrow = windowedReferenceLogits(config, params, ids, 5);
    expect(
      compare(rowsOf(narrow, 0, 5), rowsOf(full, 0, 5), { atol: 1e-10, rtol: 1e-10 }),
    ).toBeNull();
    expect(compare(rowsOf(narrow, 5, 12), rowsOf(full, 5, 12), tol)).not.toBeNull();
  });
});

describe('incremental decoder (i3-test, T 16)', () => {
  let rt: GpuRuntime;
  let decoder: I3Decoder;
  const params = testParams(3);

  beforeAll(async () => {
    rt = await testRuntime();
    decoder = await I3Decoder.create(rt, config);
    decoder.loadParams(params);
  });

  it('prompt 10, 20 sampled tokens: logits match the GPU forward (≤ T) and the windowed reference', async () => {
    const prompt = randomTokens(10, 4);
    const s: SamplingSettings = {
      temperature: 0.8,
      topK: 40,
      topP: 0.95,
      repetitionPenalty: 1.3,
      seed: 5,
    };
    decoder.reset();
    await decoder.append(prompt);
    const logits: Float32Array[] = [await decoder.readLogits()];
    const tokens = [...prompt];
    const generated: number[] = [];
    for (let draw = 0; draw < 20; draw++) {
      const [drawn] =
        draw === 0 ? await decoder.sample(s, 0) : await decoder.acceptAndSample(s, draw);
      const t = drawn.id;
      if (draw > 0) logits.push(await decoder.readLogits());
      // How likely the model found it: the softmax of the logits it was drawn from (sample.wgsl's
      // tolerance, 1e-5 relative), and their rank.
      const odds = tokenOdds(logits[draw], t);
      expect(Math.abs(drawn.prob - odds.prob) / odds.prob, `draw ${draw}`).toBeLessThan(1e-5);
      expect(drawn.rank, `draw ${draw}`).toBe(odds.rank);
      // The GPU draw is the reference's draw on these logits (penalised set: the context so far).
      const seen = new Uint8Array(V);
      for (const id of tokens) seen[id] = 1;
      const ref = sampleReference(logits[draw], seen, s, sampleUniform(s.seed, draw, 0));
      expect(ref.probs[t], `draw ${draw}: token ${t} not kept`).toBeGreaterThan(0);
      if (ref.token !== t) {
        // Only a u within fp32 rounding of a boundary of the cumulative distribution may differ.
        let cdf = 0;
        for (let i = 0; i < ref.token; i++) cdf += ref.probs[i];
        expect(Math.abs(cdf - sampleUniform(s.seed, draw, 0)), `draw ${draw}`).toBeLessThan(1e-5);
      }
      tokens.push(t);
      generated.push(t);
    }
    expect(decoder.position).toBe(29);
    // Logits of positions 9..28 (the 20 draws) from the tokens 0..28.
    const got = new Float64Array(20 * V);
    logits.forEach((l, i) => {
      got.set(l, i * V);
    });
    const want = windowedReferenceLogits(config, params, tokens.slice(0, 29), T);
    expect(compare(got, rowsOf(want, 9, 29), tol), 'vs windowed reference').toBeNull();
    const model = await I3Model.create(rt, config, { B: 1, T });
    model.loadState(params);
    const forward = await model.forwardLogits(Uint32Array.from(tokens.slice(0, T)));
    expect(
      compare(rowsOf(got, 0, T - 9), rowsOf(forward, 9, T), gpuTol),
      'vs GPU forward',
    ).toBeNull();
    // The sampled sequence must not be degenerate, or the check above proves little.
    expect(new Set(generated).size).toBeGreaterThan(5);
  });

  it('a prompt longer than T: prefill T, step the rest; equals stepping every token', async () => {
    const prompt = randomTokens(21, 6);
    decoder.reset();
    await decoder.append(prompt);
    const prefilled = await decoder.readLogits();
    const want = windowedReferenceLogits(config, params, prompt, T);
    expect(compare(prefilled, rowsOf(want, 20, 21), tol)).toBeNull();
    decoder.reset();
    await decoder.append(prompt.subarray(0, 1));
    await decoder.append(prompt.subarray(1));
    expect(decoder.position).toBe(21);
    expect(compare(await decoder.readLogits(), prefilled, gpuTol)).toBeNull();
  });

  it('appendScored: each token’s odds under the logits before it, within and past the window, and each block’s attention map', async () => {
    // n tokens scored: all appended, or the last one given as `next` (token healing's) instead.
    for (const [n, asNext] of [
      [11, false],
      [11, true],
      [2 * T + 3, false],
      [2 * T + 3, true],
    ] as const) {
      const prompt = randomTokens(n, 10 + n);
      const appended = asNext ? n - 1 : n;
      decoder.reset();
      const { odds, attention } = asNext
        ? await decoder.appendScored(prompt.subarray(0, n - 1), {
            next: prompt[n - 1],
            attention: true,
          })
        : await decoder.appendScored(prompt, { attention: true });
      const what = `n ${n}${asNext ? ', the last as next' : ''}`;
      expect(odds, what).toHaveLength(n - 1);
      const ref = windowedReferenceLogits(config, params, prompt, T);
      for (let i = 1; i < n; i++) {
        const row = rowsOf(ref, i - 1, i);
        const want = tokenOdds(row, prompt[i]);
        // The logits are within 5e-5 of float64 (tol above), so the probability is within
        // e^(2·5e-5) − 1 ≈ 1e-4 relative; 3e-4 leaves margin, where a wrong row or target errs
        // by far more. The rank is exact unless another logit lies within that of the token's.
        const got = odds[i - 1];
        expect(Math.abs(got.prob - want.prob) / want.prob, `${what}, token ${i}`).toBeLessThan(
          3e-4,
        );
        const lt = row[prompt[i]];
        const above = (margin: number) => row.filter((l) => l > lt + margin).length + 1;
        expect(got.rank, `${what}, token ${i}`).toBeGreaterThanOrEqual(above(1e-4));
        expect(got.rank, `${what}, token ${i}`).toBeLessThanOrEqual(above(-1e-4));
      }
      // Each block's attention map over the prefill's tokens (the first T), against the
      // reference's from its own q and k: fp32 scores, as attention_map's own test, 1e-4.
      const P = Math.min(appended, T);
      const maps: Float64Array[] = [];
      referenceLogits(config, params, prompt.subarray(0, P), 1, P, undefined, maps);
      expect(attention?.size, what).toBe(P);
      const want = new Float64Array(config.n_layers * P * P);
      maps.forEach((m, l) => {
        want.set(m, l * P * P);
      });
      expect(compare(attention!.weights, want, { atol: 1e-4, rtol: 1e-4 }), what).toBeNull();
      // The context is the one append() leaves: the same next-token logits.
      expect(decoder.position).toBe(appended);
      const last = rowsOf(ref, appended - 1, appended);
      expect(compare(await decoder.readLogits(), last, tol), what).toBeNull();
    }
    // One token has nothing before it to be scored against; a context must start empty.
    decoder.reset();
    expect(await decoder.appendScored(randomTokens(1, 11))).toEqual({ odds: [] });
    await expect(decoder.appendScored(randomTokens(3, 12))).rejects.toThrow(/empty context/);
  });

  it('mapAttention: the maps of the first T tokens alone, as appendScored makes them, and an empty context after', async () => {
    for (const n of [11, 2 * T + 3]) {
      const tokens = randomTokens(n, 30 + n);
      decoder.reset();
      const scored = await decoder.appendScored(tokens, { attention: true });
      decoder.reset();
      const mapped = await decoder.mapAttention(tokens);
      // The same prefill's maps: exactly.
      expect(mapped?.size).toBe(Math.min(n, T));
      expect(mapped?.weights).toEqual(scored.attention?.weights);
      // The context is empty again.
      expect(decoder.position).toBe(0);
    }
    expect(await decoder.mapAttention(new Uint32Array(0))).toBeUndefined();
    await decoder.append(randomTokens(3, 13));
    await expect(decoder.mapAttention(randomTokens(3, 12))).rejects.toThrow(/empty context/);
    decoder.reset();
  });

  it('batch 2 with prompts of 10 and of 2 (< K-1) tokens matches the GPU forward', async () => {
    const dec2 = await I3Decoder.create(rt, config, { batch: 2 });
    dec2.loadParams(params);
    const model = await I3Model.create(rt, config, { B: 2, T });
    model.loadState(params);
    const seqs = randomTokens(2 * T, 7);
    const forward = await model.forwardLogits(seqs);
    const column = (j: number) => Uint32Array.of(seqs[j], seqs[T + j]);
    for (const P of [10, 2]) {
      dec2.reset();
      const prompt = new Uint32Array(2 * P);
      prompt.set(seqs.subarray(0, P), 0);
      prompt.set(seqs.subarray(T, T + P), P);
      await dec2.append(prompt);
      for (let t = P - 1; t < T; t++) {
        if (t >= P) await dec2.append(column(t));
        const got = await dec2.readLogits();
        const want = new Float64Array(2 * V);
        want.set(rowsOf(forward, t, t + 1), 0);
        want.set(rowsOf(forward, T + t, T + t + 1), V);
        expect(compare(got, want, gpuTol), `prompt ${P}, position ${t}`).toBeNull();
      }
    }
    dec2.destroy();
  });

  it('generate(): seeded reproducible, stops, limits, aborts at once, keeps its context', async () => {
    const prompt = randomTokens(6, 8);
    const collect = async (gen: AsyncGenerator<DrawnToken, string>) => {
      const out: number[] = [];
      for (let r = await gen.next(); ; r = await gen.next()) {
        if (r.done) return { tokens: out, reason: r.value };
        out.push(r.value.id);
      }
    };
    const opts = { sampling: { seed: 42 }, maxNewTokens: 8, stopTokens: [] };
    const a = await collect(decoder.generate(prompt, opts));
    expect(a.reason).toBe('length');
    expect(a.tokens).toHaveLength(8);
    // The context holds the prompt and every yielded token: its logits are the reference's.
    expect(decoder.position).toBe(14);
    const ctx = [...prompt, ...a.tokens];
    const want = windowedReferenceLogits(config, params, ctx, T);
    expect(compare(await decoder.readLogits(), rowsOf(want, 13, 14), tol)).toBeNull();
    expect((await collect(decoder.generate(prompt, opts))).tokens).toEqual(a.tokens);
    const other = await collect(decoder.generate(prompt, { ...opts, sampling: { seed: 43 } }));
    expect(other.tokens).not.toEqual(a.tokens);

    // A stop token ends it unyielded, and enters the context.
    const stop = await collect(decoder.generate(prompt, { ...opts, stopTokens: [a.tokens[3]] }));
    expect(stop).toEqual({ tokens: a.tokens.slice(0, 3), reason: 'stop' });
    expect(decoder.position).toBe(prompt.length + 4);
    // The steps queued behind the stop token ran halted: the context is exactly prompt + 4.
    const stopped = windowedReferenceLogits(
      config,
      params,
      [...prompt, ...a.tokens.slice(0, 4)],
      T,
    );
    expect(compare(await decoder.readLogits(), rowsOf(stopped, 9, 10), tol)).toBeNull();

    // A stop at the first draw (steps queued behind it) and at the last; a limit of one token.
    const contextIs = async (tokens: number[]) => {
      expect(decoder.position).toBe(tokens.length);
      const ref = windowedReferenceLogits(config, params, tokens, T);
      const last = rowsOf(ref, tokens.length - 1, tokens.length);
      expect(compare(await decoder.readLogits(), last, tol)).toBeNull();
    };
    const first = await collect(decoder.generate(prompt, { ...opts, stopTokens: [a.tokens[0]] }));
    expect(first).toEqual({ tokens: [], reason: 'stop' });
    await contextIs([...prompt, a.tokens[0]]);
    const lastDraw = a.tokens.indexOf(a.tokens[7]);
    const atEnd = await collect(decoder.generate(prompt, { ...opts, stopTokens: [a.tokens[7]] }));
    expect(atEnd).toEqual({ tokens: a.tokens.slice(0, lastDraw), reason: 'stop' });
    await contextIs([...prompt, ...a.tokens.slice(0, lastDraw + 1)]);
    const one = await collect(decoder.generate(prompt, { ...opts, maxNewTokens: 1 }));
    expect(one).toEqual({ tokens: [a.tokens[0]], reason: 'length' });
    await contextIs([...prompt, a.tokens[0]]);

    // Continuing appends the prompt to that context.
    const more = randomTokens(3, 9);
    await collect(decoder.generate(more, { ...opts, maxNewTokens: 0, continueContext: true }));
    await contextIs([...prompt, a.tokens[0], ...more]);

    // Aborting between tokens, and while a token is on its way.
    const ctl = new AbortController();
    const gen = decoder.generate(prompt, { ...opts, signal: ctl.signal });
    expect(((await gen.next()).value as DrawnToken).id).toBe(a.tokens[0]);
    expect(((await gen.next()).value as DrawnToken).id).toBe(a.tokens[1]);
    const inFlight = gen.next();
    ctl.abort();
    expect(await inFlight).toEqual({ done: true, value: 'abort' });
    // Tokens queued past the last one read entered the context unseen: it cannot be continued.
    await expect(
      collect(decoder.generate(more, { ...opts, continueContext: true })),
    ).rejects.toThrow(/interrupted/);
    const late = new AbortController();
    late.abort();
    const none = await collect(decoder.generate(prompt, { ...opts, signal: late.signal }));
    expect(none).toEqual({ tokens: [], reason: 'abort' });
    // A consumer that stops iterating early leaves tokens queued: the same as an abort.
    for await (const t of decoder.generate(prompt, opts)) {
      expect(t.id).toBe(a.tokens[0]);
      break;
    }
    await expect(
      collect(decoder.generate(more, { ...opts, continueContext: true })),
    ).rejects.toThrow(/interrupted/);
    // The decoder is usable afterwards and still reproduces the seeded run.
    expect((await collect(decoder.generate(prompt, opts))).tokens).toEqual(a.tokens);
  });

  it('decodes from a parameter buffer it is given as from its own copy; memory is decoderBytes', async () => {
    const bytesNow = () => rt.memory().current - rt.memory().uniforms;
    const shared = rt.bufferFrom('test.liveParams', params);
    const before = bytesNow();
    const live = await I3Decoder.create(rt, config, { params: shared });
    expect(bytesNow() - before).toBe(decoderBytes(config, 1, true));
    const prompt = randomTokens(7, 12);
    const opts = { sampling: { seed: 3 }, maxNewTokens: 6, stopTokens: [] };
    const tokens = async (d: I3Decoder) => {
      const out: number[] = [];
      for await (const t of d.generate(prompt, opts)) out.push(t.id);
      return out;
    };
    const own = await tokens(decoder);
    expect(await tokens(live)).toEqual(own);
    expect(await live.readLogits()).toEqual(await decoder.readLogits());
    live.destroy();
    expect(bytesNow()).toBe(before);
    // The given buffer is neither freed nor written.
    expect(await rt.readF32(shared)).toEqual(params);
    rt.destroy(shared);
    const small = rt.buffer('test.smallParams', 64);
    await expect(I3Decoder.create(rt, config, { params: small })).rejects.toThrow(
      /parameter buffer/,
    );
    rt.destroy(small);

    const ownBefore = bytesNow();
    const two = await I3Decoder.create(rt, config, { batch: 2 });
    expect(bytesNow() - ownBefore).toBe(decoderBytes(config, 2));
    two.destroy();
  });

  it('generate() with firstTokens draws the first token from them alone, then from all', async () => {
    const prompt = randomTokens(5, 11);
    const greedy = { sampling: { temperature: 0, seed: 1 }, maxNewTokens: 4, stopTokens: [] };
    const logits = rowsOf(windowedReferenceLogits(config, params, prompt, T), 4, 5);
    // The three least likely tokens: the restriction, not the logits, decides the first draw.
    const order = Array.from(logits.keys()).sort((x, y) => logits[x] - logits[y]);
    const firstTokens = order.slice(0, 3);
    const want = firstTokens.reduce((best, t) => (logits[t] > logits[best] ? t : best));
    const got: number[] = [];
    for await (const t of decoder.generate(prompt, { ...greedy, firstTokens })) got.push(t.id);
    expect(got[0]).toBe(want);
    // The rest is the unrestricted greedy continuation of the prompt and that token.
    const rest: number[] = [];
    const after = Uint32Array.of(...prompt, want);
    for await (const t of decoder.generate(after, { ...greedy, maxNewTokens: 3 })) {
      rest.push(t.id);
    }
    expect(got.slice(1)).toEqual(rest);
  });
});
