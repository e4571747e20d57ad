import { describe, expect, it } from 'vitest';
import { GpuRuntime } from '../gpu/runtime';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { benchShaders, CHAINS, chainLaunch, copyLaunch, UNROLL } from './benchSetup';

// The ceilings are only as true as the work their kernels count: each loop must run every step of
// every chain it is credited with, and the copy must move every byte. These run them small and
// check their outputs against the same work on the CPU.

// The test worker's device, with the benchmarks' shaders (one runtime for the file).
let runtime: Promise<GpuRuntime> | undefined;
const ceilingRuntime = () => {
  runtime ??= testRuntime().then((rt) => new GpuRuntime(rt, benchShaders));
  return runtime;
};

/** What a chain loop writes for thread i: the sum over its chains and lanes after `steps` steps. */
function chainOutput(i: number, steps: number, step: (a: number, lane: number) => number): number {
  const s = Math.fround((i % 7) * 1e-3);
  let total = 0;
  for (let j = 0; j < CHAINS; j++) {
    for (let lane = 0; lane < 4; lane++) {
      let a = Math.fround(s + j);
      for (let k = 0; k < steps; k++) a = Math.fround(step(a, lane));
      total += a;
    }
  }
  return total;
}

/** Runs a chain loop for `rounds` rounds on `threads` threads; returns what each thread wrote. */
async function runChains(rt: GpuRuntime, shader: string, threads: number, rounds: number) {
  const out = rt.buffer('out', threads * 4);
  rt.run([await chainLaunch(rt, shader, rounds, threads, out)]);
  const got = await rt.readF32(out);
  rt.destroy(out);
  return got;
}

// bench_fma's step, lane by lane: fma(a, M, C).
const M = [0.999, 0.998, 0.997, 0.996];
const C = [1e-3, 2e-3, 3e-3, 4e-3];

describe('benchmark ceilings', () => {
  const threads = 256;
  const rounds = 2;
  it('bench_fma runs every step of every chain it counts', async () => {
    // The chains head for 1 (c / (1 − m)) by a factor m ≈ 0.997 a step, so their totals (near 100)
    // tell the step count: a round of 32 steps more moves one by about 5, a chain fewer by 0.2 or
    // more. fp32 rounding over 64 steps and the 32-term sum stays under 1e-5 of it (1e-3).
    const rt = await ceilingRuntime();
    const got = await runChains(rt, 'bench_fma', threads, rounds);
    for (let i = 0; i < threads; i += 37) {
      const want = chainOutput(i, rounds * UNROLL, (a, lane) => a * M[lane] + C[lane]);
      expect(Math.abs(got[i] - want)).toBeLessThanOrEqual(1e-5 * want);
    }
  });

  it('bench_exp2 takes each chain through exp2', async () => {
    // x ↦ 2^-x settles on its fixed point (0.6412) within a round, so this checks the step, not the
    // step count: the chain generator's rounds are bench_fma's, checked above. GPUs' exp2 errs by
    // a few ulp, which the contraction (|d/dx 2^-x| ≈ 0.44 there) keeps at that size.
    const rt = await ceilingRuntime();
    const got = await runChains(rt, 'bench_exp2', threads, rounds);
    for (let i = 0; i < threads; i += 37) {
      const want = chainOutput(i, rounds * UNROLL, (a) => 2 ** -a);
      expect(Math.abs(got[i] - want)).toBeLessThanOrEqual(1e-5 * want);
    }
  });

  it('bench_copy copies every vec4 below n4 and nothing past it', async () => {
    const rt = await ceilingRuntime();
    // Not a multiple of a workgroup's span (256 threads × 4 vec4s).
    const n4 = 1500;
    const data = randomArray(4 * 2048, 1);
    const src = rt.bufferFrom('src', data);
    const before = randomArray(4 * 2048, 2);
    const dst = rt.bufferFrom('dst', before);
    const launch = await copyLaunch(rt, src, dst, n4);
    rt.run([launch]);
    const got = await rt.readF32(dst);
    expect(Array.from(got.subarray(0, 4 * n4))).toEqual(Array.from(data.subarray(0, 4 * n4)));
    expect(Array.from(got.subarray(4 * n4))).toEqual(Array.from(before.subarray(4 * n4)));
    rt.destroyAll([src, dst]);
  });
});
