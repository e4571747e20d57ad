import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { Rng } from '../util/random';
import {
  ODDS_WORDS,
  readTokenOdds,
  tokenOdds,
  tokenOddsLaunch,
  tokenOddsParams,
} from './tokenOdds';

describe('token odds reference', () => {
  it('gives a token its softmax probability and its rank, ties sharing the better rank', () => {
    const logits = [0, Math.log(3), 0];
    expect(tokenOdds(logits, 1).prob).toBeCloseTo(3 / 5, 12);
    expect(tokenOdds(logits, 1).rank).toBe(1);
    expect(tokenOdds(logits, 0)).toEqual({ prob: expect.closeTo(1 / 5, 12), rank: 2 });
    expect(tokenOdds(logits, 2).rank).toBe(2);
  });

  it('reads the kernel’s words: a probability’s f32 bits, then a rank, per token', () => {
    const words = new Uint32Array(4);
    new Float32Array(words.buffer).set([0.5, 0, 0.25, 0]);
    words[1] = 1;
    words[3] = 7;
    expect(readTokenOdds(words, 2)).toEqual([
      { prob: 0.5, rank: 1 },
      { prob: 0.25, rank: 7 },
    ]);
  });
});

describe('token_odds.wgsl against the reference', () => {
  // (rows, V, logit scale, quantum): a small vocabulary, one not a multiple of the 256 threads,
  // the real vocabulary, and ties (quantized logits, where the rank counts only higher ones).
  const cases: [string, number, number, number, number][] = [
    ['V 50', 9, 50, 3, 0],
    ['V 1000', 5, 1000, 2, 0],
    ['V 4466', 4, 4466, 4, 0],
    ['ties', 12, 40, 2, 0.5],
  ];
  for (const [name, rows, V, scale, quantum] of cases) {
    it(name, async () => {
      const rt = await testRuntime();
      const rng = new Rng(rows * V);
      const logits = Float32Array.from({ length: rows * V }, () => {
        const v = rng.normal(0, scale);
        return quantum ? Math.round(v / quantum) * quantum : v;
      });
      // The tokens scored sit at an offset into targets, and their words at one into out, as the
      // decoder's steps past the prefill place them.
      const targetOffset = 3;
      const outOffset = 2;
      const targets = Uint32Array.from({ length: targetOffset + rows }, () => rng.int(V));
      const io = {
        logits: rt.bufferFrom('logits', logits),
        targets: rt.bufferFrom('targets', targets),
        out: rt.buffer('out', ODDS_WORDS * (outOffset + rows) * 4),
      };
      const launch = await tokenOddsLaunch(rt, io, { rows, V, targetOffset, outOffset });
      rt.run([launch]);
      const words = new Uint32Array(await rt.read(io.out));
      const got = readTokenOdds(words.subarray(ODDS_WORDS * outOffset), rows);
      for (let r = 0; r < rows; r++) {
        // An f32 softmax over up to 4,466 logits against float64: within 1e-5 relative (each exp
        // and the sum's rounding add about 1e-7); the rank counts strictly larger logits, exactly.
        const want = tokenOdds(logits.subarray(r * V, (r + 1) * V), targets[targetOffset + r]);
        expect(Math.abs(got[r].prob - want.prob) / want.prob, `row ${r}`).toBeLessThan(1e-5);
        expect(got[r].rank, `row ${r}`).toBe(want.rank);
      }
      // Words outside the rows' are left alone.
      expect(Array.from(words.subarray(0, ODDS_WORDS * outOffset))).toEqual([0, 0, 0, 0]);
      // New offsets through the params: row 0 scores targets[0] into the first words.
      rt.setParams(launch, tokenOddsParams({ rows, V, targetOffset: 0, outOffset: 0 }));
      rt.run([launch]);
      const again = readTokenOdds(new Uint32Array(await rt.read(io.out)), 1)[0];
      expect(again.rank).toBe(tokenOdds(logits.subarray(0, V), targets[0]).rank);
      rt.destroyAll(Object.values(io));
      rt.destroy(launch.uniform);
    });
  }
});
