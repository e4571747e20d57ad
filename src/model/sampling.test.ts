import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { compare } from '../ops/check';
import { Rng } from '../util/random';
import {
  DEFAULT_SAMPLING,
  drawnTokens,
  SAMPLE_WORDS,
  type SamplingSettings,
  sampleParams,
  sampleReference,
  sampleTokens,
  sampleUniform,
} from './sampling';
import { tokenOdds } from './tokenOdds';

const settings = (over: Partial<SamplingSettings>): SamplingSettings => ({
  ...DEFAULT_SAMPLING,
  seed: 7,
  ...over,
});

describe('sampling reference on hand-made logits', () => {
  it('reads the draws back from the kernel’s words: tokens, probabilities, ranks', () => {
    const words = new Uint32Array(6);
    words.set([7, 9]);
    new Float32Array(words.buffer, 8, 2).set([0.5, 0.25]);
    words.set([1, 3], 4);
    expect(drawnTokens(words, 2)).toEqual([
      { id: 7, prob: 0.5, rank: 1 },
      { id: 9, prob: 0.25, rank: 3 },
    ]);
  });

  // Probabilities 0.1, 0.4, 0.2, 0.3 at temperature 1.
  const logits = [1, 4, 2, 3].map(Math.log);
  const plain = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

  it('keeps what top-k and top-p say, renormalised', () => {
    const kept = (over: Partial<SamplingSettings>) =>
      Array.from(sampleReference(logits, null, settings({ ...plain, ...over }), 0.5).probs);
    expect(kept({})).toEqual([0.1, 0.4, 0.2, 0.3].map((p) => expect.closeTo(p, 12)));
    expect(kept({ topK: 2 })).toEqual([0, 4 / 7, 0, 3 / 7].map((p) => expect.closeTo(p, 12)));
    expect(kept({ topP: 0.41 })).toEqual([0, 4 / 7, 0, 3 / 7].map((p) => expect.closeTo(p, 12)));
    expect(kept({ topP: 0.39 })).toEqual([0, 1, 0, 0]);
    // Temperature 0.5 squares the odds: 1, 16, 4, 9 over 30.
    const hot = kept({ temperature: 0.5 });
    expect(hot).toEqual([1, 16, 4, 9].map((p) => expect.closeTo(p / 30, 12)));
  });

  it('penalises seen tokens, keeps ties at the k-th score, draws in index order', () => {
    // Token 1 seen with penalty 2: log 4 / 2 = log 2, a tie with token 2; top-2 keeps 3 tokens.
    const s = settings({ ...plain, topK: 2, repetitionPenalty: 2 });
    const { probs } = sampleReference(logits, [0, 1, 0, 0], s, 0);
    expect(Array.from(probs)).toEqual([0, 2 / 7, 2 / 7, 3 / 7].map((p) => expect.closeTo(p, 12)));
    // Cumulative 2/7, 4/7, 1 in index order.
    const draw = (u: number) => sampleReference(logits, [0, 1, 0, 0], s, u).token;
    expect([0, 0.28, 0.29, 0.57, 0.58, 0.99].map(draw)).toEqual([1, 1, 2, 2, 3, 3]);
    // Negative logits are multiplied: −1 seen with penalty 2 becomes −2.
    const greedy2 = settings({ temperature: 0, repetitionPenalty: 2 });
    const neg = sampleReference([-1, -1.5], [1, 0], greedy2, 0);
    expect(neg.token).toBe(1);
    expect(sampleReference([1, 3, 3], null, settings({ temperature: 0 }), 0.9).token).toBe(1);
  });

  it('a restricted draw keeps only the allowed tokens, whatever top-k asks', () => {
    const allowed = [1, 0, 1, 0];
    const s = settings({ ...plain, topK: 3 });
    const { probs } = sampleReference(logits, null, s, 0.5, allowed);
    expect(Array.from(probs)).toEqual([1 / 3, 0, 2 / 3, 0].map((p) => expect.closeTo(p, 12)));
    const greedy = settings({ temperature: 0 });
    expect(sampleReference(logits, null, greedy, 0, allowed).token).toBe(2);
  });
});

describe('GPU sampling against the reference', () => {
  // (rows, V, settings, logit scale, quantum): the spec's defaults, each filter alone, the real
  // vocabulary, a large top-k, a repetition penalty, ties (logits quantized), greedy.
  const cases: [string, number, number, Partial<SamplingSettings>, number, number][] = [
    ['defaults', 32, 50, {}, 3, 0],
    ['top-k only', 32, 50, { topK: 5, topP: 1, temperature: 1 }, 3, 0],
    ['top-p only', 32, 300, { topK: 0, topP: 0.5, temperature: 0.7 }, 2, 0],
    ['no filter', 32, 1000, { topK: 0, topP: 1, temperature: 1.3 }, 2, 0],
    ['V 4466, defaults', 8, 4466, {}, 4, 0],
    // More than a workgroup of top-k candidates: top-p passes over V instead of gathering them.
    ['top-k 300 of 1000', 8, 1000, { topK: 300, topP: 0.9, temperature: 1 }, 2, 0],
    ['penalty 1.5', 32, 50, { repetitionPenalty: 1.5, temperature: 1 }, 3, 0],
    ['ties', 32, 40, { topK: 6, topP: 0.9, temperature: 1 }, 2, 0.5],
    ['greedy + penalty', 64, 50, { temperature: 0, repetitionPenalty: 1.3 }, 3, 0.25],
  ];

  for (const [name, Bq, V, over, scale, quantum] of cases) {
    it(name, async () => {
      const rt = await testRuntime();
      const rng = new Rng(V + Bq);
      const logits = Float32Array.from({ length: Bq * V }, () => {
        const v = rng.normal(0, scale);
        return quantum ? Math.round(v / quantum) * quantum : v;
      });
      const seen = Uint32Array.from({ length: Bq * V }, () => (rng.next() < 0.2 ? 1 : 0));
      const s = settings(over);
      const shape = { Bq, V };
      const logitsBuf = rt.bufferFrom('logits', logits);
      const seenBuf = rt.bufferFrom('seen', seen);
      const ids = rt.buffer('ids', SAMPLE_WORDS * Bq * 4);
      const halt = rt.buffer('halt', 4);
      const stops = rt.buffer('stops', V * 4);
      // Draw 2 is restricted to about a tenth of the tokens (token 0 always among them).
      const allowedMarks = Uint32Array.from({ length: V }, (_, i) =>
        i === 0 || rng.next() < 0.1 ? 1 : 0,
      );
      const allowed = rt.bufferFrom('allowed', allowedMarks);
      const io = { logits: logitsBuf, seen: seenBuf, ids, halt, stops, allowed };
      const launch = await sampleTokens(rt, io, shape, s, 0);
      let checked = 0;
      for (const draw of [0, 1, 2]) {
        const restricted = draw === 2;
        rt.write(seenBuf, seen);
        rt.setParams(launch, sampleParams(shape, s, draw, false, restricted));
        rt.run([launch]);
        const words = new Uint32Array(await rt.read(ids));
        const got = words.subarray(0, Bq);
        const drawn = drawnTokens(words, Bq);
        const marks = new Uint32Array(await rt.read(seenBuf));
        for (let b = 0; b < Bq; b++) {
          const row = logits.subarray(b * V, (b + 1) * V);
          const u = sampleUniform(s.seed, draw, b);
          const ref = sampleReference(
            row,
            seen.subarray(b * V, (b + 1) * V),
            s,
            u,
            restricted ? allowedMarks : undefined,
          );
          expect(ref.probs[got[b]], `row ${b}: token ${got[b]} is not kept`).toBeGreaterThan(0);
          expect(marks[b * V + got[b]], `row ${b}: token not marked seen`).toBe(1);
          // How likely the model found the token: an f32 softmax over up to 4,466 logits against
          // float64, within 1e-5 relative (each exp and the sum's rounding add about 1e-7 each);
          // the rank counts strictly larger logits, exactly.
          const odds = tokenOdds(row, got[b]);
          expect(drawn[b].id).toBe(got[b]);
          expect(Math.abs(drawn[b].prob - odds.prob) / odds.prob).toBeLessThan(1e-5);
          expect(drawn[b].rank).toBe(odds.rank);
          // fp32 scores and sums against float64: the draws agree unless u falls within 1e-5 of
          // a boundary of the cumulative distribution (skipped; a handful at most).
          let cdf = 0;
          let nearEdge = false;
          for (const p of ref.probs) {
            cdf += p;
            if (p > 0 && Math.abs(cdf - u) < 1e-5) nearEdge = true;
          }
          if (nearEdge) continue;
          checked++;
          expect(got[b], `row ${b}, draw ${draw}, u ${u}`).toBe(ref.token);
        }
      }
      expect(checked).toBeGreaterThan(3 * Bq - 4);
      for (const buf of Object.values(io)) rt.destroy(buf);
    });
  }

  it('is reproducible for a seed and differs across seeds; the draws follow the probabilities', async () => {
    const rt = await testRuntime();
    const V = 20;
    const Bq = 256;
    const row = Float32Array.from({ length: V }, (_, i) => Math.sin(i) * 2);
    const logits = new Float32Array(Bq * V);
    for (let b = 0; b < Bq; b++) logits.set(row, b * V);
    const s = settings({ topK: 0, topP: 1, temperature: 1 });
    const shape = { Bq, V };
    const bufs = {
      logits: rt.bufferFrom('logits', logits),
      seen: rt.buffer('seen', Bq * V * 4),
      ids: rt.buffer('ids', SAMPLE_WORDS * Bq * 4),
      halt: rt.buffer('halt', 4),
      stops: rt.buffer('stops', V * 4),
      allowed: rt.buffer('allowed', V * 4),
    };
    const launch = await sampleTokens(rt, bufs, shape, s);
    const run = async (seed: number) => {
      rt.setParams(launch, sampleParams(shape, { ...s, seed }, 3));
      rt.run([launch]);
      return new Uint32Array(await rt.read(bufs.ids, Bq * 4));
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
    // 256 draws of one distribution: frequencies within 4 binomial standard deviations.
    const { probs } = sampleReference(row, null, s, 0);
    const freq = new Float64Array(V);
    for (const t of a) freq[t] += 1 / Bq;
    const sd = Float64Array.from(probs, (p) => 4 * Math.sqrt((p * (1 - p)) / Bq) + 1e-9);
    for (let i = 0; i < V; i++) {
      expect(compare([freq[i]], [probs[i]], { atol: sd[i], rtol: 0 }), `token ${i}`).toBeNull();
    }
    for (const buf of Object.values(bufs)) rt.destroy(buf);
  });

  it('with haltOnStop, a stop token halts the draws that follow until halt is cleared', async () => {
    const rt = await testRuntime();
    const V = 16;
    const shape = { Bq: 1, V };
    // Greedy on a fixed row: token 5 is the argmax, and a stop token.
    const logits = Float32Array.from({ length: V }, (_, i) => (i === 5 ? 3 : Math.cos(i)));
    const stops = new Uint32Array(V);
    stops[5] = 1;
    const bufs = {
      logits: rt.bufferFrom('logits', logits),
      seen: rt.buffer('seen', V * 4),
      ids: rt.buffer('ids', SAMPLE_WORDS * 4),
      halt: rt.buffer('halt', 4),
      stops: rt.bufferFrom('stops', stops),
      allowed: rt.buffer('allowed', V * 4),
    };
    const s = settings({ temperature: 0 });
    const launch = await sampleTokens(rt, bufs, shape, s);
    const draw = async (haltOnStop: boolean) => {
      rt.setParams(launch, sampleParams(shape, s, 0, haltOnStop));
      rt.run([launch]);
      const ids = new Uint32Array(await rt.read(bufs.ids, 4));
      const halt = new Uint32Array(await rt.read(bufs.halt, 4));
      return [ids[0], halt[0]];
    };
    // Without haltOnStop the stop set is ignored.
    expect(await draw(false)).toEqual([5, 0]);
    expect(await draw(true)).toEqual([5, 1]);
    // Halted: nothing is drawn or marked (ids and seen keep what the CPU writes).
    rt.write(bufs.ids, Uint32Array.of(9));
    rt.write(bufs.seen, new Uint32Array(V));
    expect(await draw(true)).toEqual([9, 1]);
    expect(new Uint32Array(await rt.read(bufs.seen)).every((v) => v === 0)).toBe(true);
    rt.write(bufs.halt, Uint32Array.of(0));
    expect(await draw(false)).toEqual([5, 0]);
    for (const buf of Object.values(bufs)) rt.destroy(buf);
  });
});
