// What both GPU benchmarks share: a Node WebGPU runtime with full-resolution timestamps, the
// adapter's measured ceilings (copy bandwidth, FMA rate, exp2 rate), and plain-text tables.
import { create, globals } from 'webgpu';
import { acquireGpu, describeAdapter } from '../gpu/device';
import { nodeShaders } from '../gpu/nodeGpu';
import { Profiler, TimestampQueries } from '../gpu/profiler';
import { GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';
import { median } from '../util/median';
import { randomArray } from '../util/random';

// The ceiling loops: CHAINS independent vec4 accumulators a thread, each taken through UNROLL steps
// a loop round, written out as separate variables. An array of accumulators indexed in a loop, one
// step a round, ran the FMA loop at 42.8 TFLOP/s on the H200, where this form runs at 65.3: 97.6%
// of its 132 multiprocessors × 128 lanes × 2 FLOP × 1.98 GHz (run AE, `docs/performance.md`).
// Immediate operands matter too: the same FMAs on two registers ran at 42.1 there.
export const CHAINS = 8;
export const UNROLL = 32;

/**
 * A kernel of register-resident chains, `step(a)` applied UNROLL times to each of CHAINS
 * accumulators a round for `rounds` rounds: enough chains to hide the unit's latency; the
 * data-dependent start and the final store keep the compiler from folding the loop away.
 */
const chainShader = (step: (a: string) => string) => {
  const acc = Array.from({ length: CHAINS }, (_, j) => `a${j}`);
  const round = Array.from({ length: UNROLL }, () =>
    acc.map((a) => `${a} = ${step(a)};`).join(' '),
  ).join('\n    ');
  return `
struct Params { rounds: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let s = f32(i % 7u) * 1e-3;
  ${acc.map((a, j) => `var ${a} = vec4<f32>(s + ${j}.0);`).join('\n  ')}
  for (var k = 0u; k < p.rounds; k++) {
    ${round}
  }
  let t = ${acc.join(' + ')};
  if (i < p.n) { out[i] = t.x + t.y + t.z + t.w; }
}`;
};
// fp32 FMA chains; an FMA counts 2 FLOP.
const FMA_SHADER = chainShader(
  (a) => `fma(${a}, vec4<f32>(0.999, 0.998, 0.997, 0.996), vec4<f32>(1e-3, 2e-3, 3e-3, 4e-3))`,
);
const FLOPS_PER_ROUND = CHAINS * UNROLL * 4 * 2;
// exp2 chains x ↦ 2^-x, which GPUs run on a slower unit of their own (special functions); they
// settle near 0.64 and so never leave fp32's range.
const EXP2_SHADER = chainShader((a) => `exp2(-${a})`);
const EXP2_PER_ROUND = CHAINS * UNROLL * 4;

// Streaming copy through a shader, COPY_PER_THREAD vec4 loads and stores a thread, strided by the
// workgroup so that each load instruction of a workgroup reads one contiguous span. One vec4 a
// thread reached 3,631 GB/s on the H200 at 512 MiB, four 4,026 (run AE).
const COPY_PER_THREAD = 4;
const COPY_SHADER = `
struct Params { n4: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let base = (wid.x + wid.y * nwg.x) * ${256 * COPY_PER_THREAD}u + lid;
  var v: array<vec4<f32>, ${COPY_PER_THREAD}>;
  for (var k = 0u; k < ${COPY_PER_THREAD}u; k++) {
    let i = base + k * 256u;
    if (i < p.n4) { v[k] = src[i]; }
  }
  for (var k = 0u; k < ${COPY_PER_THREAD}u; k++) {
    let i = base + k * 256u;
    if (i < p.n4) { dst[i] = v[k]; }
  }
}`;

const BENCH_SHADERS: Record<string, string> = {
  bench_fma: FMA_SHADER,
  bench_exp2: EXP2_SHADER,
  bench_copy: COPY_SHADER,
};

/** The benchmarks' own shaders, then the project's. */
export const benchShaders = (name: string) => BENCH_SHADERS[name] ?? nodeShaders(name);

/** A launch of the copy kernel: n4 vec4s of src into dst, on as many workgroups as that takes. */
export const copyLaunch = (rt: GpuRuntime, src: GPUBuffer, dst: GPUBuffer, n4: number) =>
  rt.launch({
    shader: 'bench_copy',
    params: [u32(n4)],
    buffers: [src, dst],
    workgroups: grid1d(Math.ceil(n4 / (256 * COPY_PER_THREAD))),
  });

/**
 * A launch of a chain loop ('bench_fma' or 'bench_exp2') of `rounds` rounds on `threads` threads (a
 * multiple of 256), each writing its chains' sum into `out`.
 */
export const chainLaunch = (
  rt: GpuRuntime,
  shader: string,
  rounds: number,
  threads: number,
  out: GPUBuffer,
) =>
  rt.launch({
    shader,
    params: [u32(rounds), u32(threads)],
    buffers: [out],
    workgroups: grid1d(threads / 256),
  });

// Dawn's instance must live as long as the process (see nodeGpu.ts). Timestamp quantization (on
// by default against timing attacks) would round each kernel's time to tens of microseconds.
let instance: GPU | undefined;

/** A runtime on the first high-performance adapter, with the benchmarks' own shaders added. */
export async function benchRuntime(): Promise<GpuRuntime> {
  if (!instance) {
    Object.assign(globalThis, globals);
    instance = create(['disable-dawn-features=timestamp_quantization']) as unknown as GPU;
  }
  const ctx = await acquireGpu(instance);
  return new GpuRuntime(ctx, benchShaders);
}

export function adapterLine(rt: GpuRuntime): string {
  const sg = rt.info.subgroupMinSize;
  return (
    `${describeAdapter(rt.info)}; timing by ${rt.info.features.timestamps ? 'timestamp-query' : 'wall clock'}; ` +
    `subgroups ${sg > 0 ? `of at least ${sg}` : 'none'}`
  );
}

/**
 * Wall time of GPU work before any timing. A GPU left idle while the host compiles pipelines and
 * fills buffers drops its clocks, and they rise again only under sustained load: the first kernel
 * bench:kernels timed on an H200, the head's logits, took 3.41 ms there against 0.70 ms inside a
 * training step (0.69 ms after this warm-up). A few hundred ms of back-to-back work brings the
 * clocks up first.
 */
const WARM_UP_MS = 500;

/**
 * Each group's median time in ms (the sum of its launches' median times) over `reps` rounds, each
 * launch in its own timed pass. First rounds of all launches for WARM_UP_MS (the first one also
 * pays any first-use costs); then each timed round takes every group in turn, so that all groups
 * are timed under the same clocks, and each kernel finds the caches holding other kernels' data, as
 * in a training step, rather than its own from the repeat before.
 */
export async function timeGroups(
  rt: GpuRuntime,
  groups: { name: string; launches: Launch[] }[],
  reps: number,
): Promise<Map<string, number>> {
  const all = groups.flatMap((g) => g.launches);
  const start = performance.now();
  do {
    rt.run(all);
    await rt.finish();
  } while (performance.now() - start < WARM_UP_MS);
  const profiler = new Profiler(rt).attach();
  const labelled = groups.map((g) => ({
    name: g.name,
    launches: g.launches.map((l, i) => ({ ...l, label: `${g.name}#${i}` })),
  }));
  for (let r = 0; r < reps; r++) {
    for (const g of labelled) rt.run(g.launches);
    await profiler.collect();
  }
  const byLabel = new Map(profiler.report().map((t) => [t.label, t.medianMs]));
  profiler.destroy();
  return new Map(
    labelled.map((g) => [
      g.name,
      g.launches.reduce((s, l) => s + (byLabel.get(l.label) ?? Number.NaN), 0),
    ]),
  );
}

export interface Ceilings {
  /** Bytes read + written per second by the faster of a buffer copy and a shader copy. */
  copyBytesPerS: number;
  copyMethod: string;
  /** fp32 FLOP/s of the FMA loop (an FMA counts 2). */
  fmaFlopsPerS: number;
  /** fp32 exp2 results per second of the exp2 loop. */
  exp2PerS: number;
}

/** Measures the adapter's copy bandwidth, FMA rate and exp2 rate; `large` sizes them for a real GPU. */
export async function measureCeilings(
  rt: GpuRuntime,
  large: boolean,
  reps: number,
): Promise<Ceilings> {
  const { maxStorageBufferBindingSize: maxBinding, maxBufferSize } = rt.info.limits;
  const copyBytes = Math.min(large ? 512 * 2 ** 20 : 4 * 2 ** 20, maxBinding, maxBufferSize) & ~15;
  const n4 = copyBytes / 16;
  const src = rt.bufferFrom('bench.copy.src', randomArray(copyBytes / 4, 1));
  const dst = rt.buffer('bench.copy.dst', copyBytes);
  const copy = await copyLaunch(rt, src, dst, n4);
  const threads = large ? 2 ** 20 : 2 ** 12;
  const rounds = large ? 64 : 2;
  const chainOut = rt.buffer('bench.chain.out', threads * 4);
  const loop = (shader: string, loopRounds: number) =>
    chainLaunch(rt, shader, loopRounds, threads, chainOut);
  // exp2 runs at about 1/8 of the FMA rate (16 against 128 results a clock per H200
  // multiprocessor): an eighth of the rounds takes as long.
  const expRounds = Math.max(1, rounds / 8);
  const t = await timeGroups(
    rt,
    [
      { name: 'copy', launches: [copy] },
      { name: 'fma', launches: [await loop('bench_fma', rounds)] },
      { name: 'exp2', launches: [await loop('bench_exp2', expRounds)] },
    ],
    reps,
  );
  // The copy engine: wall clock over a batch of copies in one submission.
  const wall: number[] = [];
  for (let r = 0; r < 3; r++) {
    const enc = rt.device.createCommandEncoder();
    for (let i = 0; i < reps; i++) enc.copyBufferToBuffer(src, 0, dst, 0, copyBytes);
    await rt.finish();
    const t0 = performance.now();
    rt.device.queue.submit([enc.finish()]);
    await rt.finish();
    wall.push((performance.now() - t0) / reps);
  }
  for (const b of [src, dst, chainOut]) rt.destroy(b);
  const shaderBw = (2 * copyBytes) / ((t.get('copy') ?? Number.NaN) / 1e3);
  const engineBw = (2 * copyBytes) / (median(wall) / 1e3);
  return {
    copyBytesPerS: Math.max(shaderBw, engineBw),
    copyMethod: `shader copy ${fmt(shaderBw / 1e9)} GB/s, copyBufferToBuffer ${fmt(engineBw / 1e9)} GB/s (${copyBytes / 2 ** 20} MiB, read + write counted)`,
    fmaFlopsPerS: (threads * rounds * FLOPS_PER_ROUND) / ((t.get('fma') ?? Number.NaN) / 1e3),
    exp2PerS: (threads * expRounds * EXP2_PER_ROUND) / ((t.get('exp2') ?? Number.NaN) / 1e3),
  };
}

/** GPU milliseconds of `launches` in one compute pass, from timestamps bracketing the pass. */
async function passGpuMs(rt: GpuRuntime, launches: Launch[]): Promise<number> {
  const queries = new TimestampQueries(rt.device, 2);
  const enc = rt.device.createCommandEncoder();
  rt.encode(enc, launches, queries.pass(0));
  queries.encodeResolve(enc);
  rt.device.queue.submit([enc.finish()]);
  const [t0, t1] = await queries.read();
  queries.destroy();
  return Number(t1 - t0) / 1e6;
}

export interface DispatchCost {
  /** Seconds each of a chain of dependent dispatches adds (each rewrites what the last wrote). */
  dependentS: number;
  /** Seconds each of a run of independent dispatches adds (each writes its own buffer). */
  independentS: number;
  /** How they were timed. */
  method: string;
}

/**
 * What one more dispatch adds to a compute pass: the median time of a pass of 2,200 one-workgroup
 * copies less that of a pass of 200, per extra dispatch, (a) dependent, each rewriting the buffer
 * the one before wrote, as most of a training step's kernels do, and (b) independent, each writing
 * a buffer of its own. Timed on the GPU by timestamps around the pass where the adapter has them
 * (else the wall clock, which adds the CPU's recording). A step of n dependent launches spends
 * about n times (a) between its kernels' work.
 */
export async function measureDispatchCost(rt: GpuRuntime): Promise<DispatchCost> {
  const floats = 1024;
  const src = rt.bufferFrom('bench.dispatch.src', randomArray(floats, 2));
  // One workgroup each: 1,024 floats are 256 vec4s, under one workgroup's span.
  const copyTo = (dst: GPUBuffer) => copyLaunch(rt, src, dst, floats / 4);
  const one = rt.buffer('bench.dispatch.dst', floats * 4);
  const dependent = await copyTo(one);
  const own = Array.from({ length: 2200 }, (_, i) => rt.buffer(`bench.dispatch.${i}`, floats * 4));
  const independent = await Promise.all(own.map(copyTo));
  const timestamps = rt.info.features.timestamps;
  const passMs = async (launches: Launch[]) => {
    if (timestamps) return passGpuMs(rt, launches);
    await rt.finish();
    const t0 = performance.now();
    rt.run(launches);
    await rt.finish();
    return performance.now() - t0;
  };
  const perDispatch = async (chain: (n: number) => Launch[]) => {
    const diffs: number[] = [];
    for (let r = 0; r < 5; r++)
      diffs.push((await passMs(chain(2200))) - (await passMs(chain(200))));
    return median(diffs) / 2000 / 1e3;
  };
  await passMs(independent);
  const dependentS = await perDispatch((n) => Array.from({ length: n }, () => dependent));
  const independentS = await perDispatch((n) => independent.slice(0, n));
  for (const b of [src, one, ...own]) rt.destroy(b);
  return { dependentS, independentS, method: timestamps ? 'GPU timestamps' : 'wall clock' };
}

/** Three significant digits, no exponent for the usual ranges. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** A plain-text table, columns padded; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells
    .map((r, i) =>
      r
        .map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
        .join('  ')
        .concat(i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n');
}
