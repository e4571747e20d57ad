import { describe, expect, it } from 'vitest';
import { rowReduction } from '../ops/rowReduction';
import { Profiler } from './profiler';
import type { GpuRuntime, Launch } from './runtime';
import { testRuntime } from './testing';

const n = 64;

/**
 * x += 1 launches under two labels (a column sum of one block of ones into x); integer data, so
 * the sums are exact in fp32.
 */
async function setup(rt: GpuRuntime) {
  const x0 = Float32Array.from({ length: n }, (_, i) => i);
  const x = rt.bufferFrom('profiler.x', x0);
  const ones = rt.bufferFrom('profiler.ones', new Float32Array(n).fill(1));
  const red = await rowReduction(rt, 'profiler', x, 1, n, 1, ones);
  const a = { ...red.finish, label: 'add a' };
  const b = { ...red.finish, label: 'add b' };
  const check = async (adds: number) => {
    const got = await rt.readF32(x);
    expect(Array.from(got)).toEqual(Array.from(x0, (v) => v + adds));
  };
  return { a, b, check, buffers: [x, ones] };
}

function expectCounts(p: Profiler, counts: Record<string, number>) {
  const report = p.report();
  expect(Object.fromEntries(report.map((r) => [r.label, r.count]))).toEqual(counts);
  for (const r of report) {
    expect(r.shader).toBe('column_sum');
    // ≥ 0, not > 0: the tests' Dawn quantizes timestamps, so a tiny kernel can read 0.
    expect(r.totalMs).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(r.totalMs)).toBe(true);
    expect(r.medianMs).toBeLessThanOrEqual(r.totalMs);
  }
  // Largest total first.
  for (let i = 1; i < report.length; i++) {
    expect(report[i].totalMs).toBeLessThanOrEqual(report[i - 1].totalMs);
  }
}

describe('profiler', () => {
  it('times each launch by timestamps across several query sets, and launches still run', async (ctx) => {
    const rt = await testRuntime();
    // Reported as skipped, not passed, on an adapter without 'timestamp-query'.
    if (!rt.info.features.timestamps) ctx.skip();
    const { a, b, check, buffers } = await setup(rt);
    const p = new Profiler(rt).attach();
    expect(p.method).toBe('timestamp-query');
    // 2,100 launches: more than one query set (2,048 launches) holds.
    const launches: Launch[] = [...Array(2099).fill(a), b];
    rt.run(launches);
    await p.collect();
    expectCounts(p, { 'add a': 2099, 'add b': 1 });
    await check(2100);
    p.detach();
    // Detached: the default single-pass path, nothing recorded.
    rt.run([a]);
    await p.collect();
    expect(p.report().find((r) => r.label === 'add a')?.count).toBe(2099);
    await check(2101);
    p.reset();
    expect(p.report()).toEqual([]);
    p.destroy();
    for (const buf of buffers) rt.destroy(buf);
  });

  it('falls back to the wall clock by replaying each recorded launch', async () => {
    const rt = await testRuntime();
    const { a, b, check, buffers } = await setup(rt);
    const p = new Profiler(rt, 'wall-clock').attach();
    rt.run([a, a, b]);
    await p.collect();
    expectCounts(p, { 'add a': 2, 'add b': 1 });
    // Each launch ran once in the step and once more in its timed replay.
    await check(6);
    expect(rt.profiler).toBe(p);
    p.destroy();
    expect(rt.profiler).toBeUndefined();
    for (const buf of buffers) rt.destroy(buf);
  });
});
