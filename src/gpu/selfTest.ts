// A quick end-to-end check of the GPU path: one matmul of awkward shape against the CPU
// reference. The studio runs it when the GPU worker starts, so a broken driver shows up at once.
import { compare, maxAbsDiff } from '../ops/check';
import { matmul, matmulReference } from '../ops/matmul';
import type { SelfTestReport } from '../protocol';
import { randomArray } from '../util/random';
import type { GpuRuntime } from './runtime';

export async function matmulSelfTest(rt: GpuRuntime): Promise<SelfTestReport> {
  const [M, N, K] = [67, 45, 33];
  const start = performance.now();
  const a = randomArray(M * K, 11);
  const b = randomArray(N * K, 12);
  const A = rt.bufferFrom('selftest.A', a);
  const B = rt.bufferFrom('selftest.B', b);
  const C = rt.buffer('selftest.C', M * N * 4);
  rt.run([await matmul(rt, A, B, C, { M, N, K, transB: true }, 'selftest')]);
  const got = await rt.readF32(C);
  for (const buf of [A, B, C]) rt.destroy(buf);
  const want = new Float64Array(M * N);
  matmulReference(a, b, want, { M, N, K, transB: true });
  // Same tolerance as the matmul unit tests: fp32 accumulation of K terms of magnitude ≤ 1.
  const ok = compare(got, want, { atol: 1e-5 * K, rtol: 1e-5 }) === null;
  return { ok, maxError: maxAbsDiff(got, want), shape: [M, N, K], ms: performance.now() - start };
}
