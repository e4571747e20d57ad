// npm run bench:kernels — each kernel of an i3 training step alone, at the training shapes
// (i3-22m: batch 16 × T 256 = 4,096 rows, D 512, r 128, R 32, N 64, H 16, V 4,466), on random
// data, the matmuls with matmulSplitK's tile and split (a split row's time includes its reduction),
// after a warm-up (see timeGroups): median GPU time over repeats, GFLOP/s and GB/s from the counts
// stated beside each entry, and the fraction of the adapter's ceilings measured in the same run
// (copy bandwidth, FMA rate). "floor" is max(FLOPs / FMA rate, bytes / bandwidth): no kernel can
// beat it; "× floor" is the gap. Byte counts are each input read once and each output written once
// (the op's I/O, not the implementation's scratch traffic); FLOPs count a multiply-add as 2.
//
//   tsx src/cli/benchKernels.ts [--preset i3-22m] [--batch 16] [--reps 20] [--only scan] [--json out.json]
//     [--no-scan-check]
// (--only: just the groups whose key contains that text: head, low-rank, matmul, scan, attention,
// loss, rmsnorm, adamw. The scan is first checked against its float64 reference on this adapter;
// --no-scan-check skips that, for timing variants whose outputs are wrong on purpose: ablations.)
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { GpuRuntime, Launch } from '../gpu/runtime';
import { presetConfig } from '../model/config';
import { gradientParts, parameterLayout } from '../model/params';
import {
  type AttentionTiles,
  attentionBackward,
  attentionForward,
  attentionTiles,
} from '../ops/attention';
import { compare, maxAbsDiff } from '../ops/check';
import { crossEntropyBackward, crossEntropyLoss, perRowFloats } from '../ops/crossEntropy';
import {
  type MatmulShape,
  matmulSplitK,
  type SplitKPlan,
  splitKPlan,
  splitKScratchFloats,
} from '../ops/matmul';
import {
  adamw,
  decaySegmentTable,
  gradNorm,
  gradNormPartials,
  gradNormStatsFloats,
} from '../ops/optimizer';
import { rmsnormBackward, rmsnormForward } from '../ops/rmsnorm';
import {
  createSelectiveScanScratch,
  createSelectiveScanStates,
  pairedBuffers,
  randomScanInputs,
  type SelectiveScanShape,
  scanGradientBuffers,
  scanInputBuffers,
  selectiveScanBackward,
  selectiveScanBackwardReference,
  selectiveScanBufferBytes,
  selectiveScanExpCount,
  selectiveScanForward,
  selectiveScanGeometry,
  selectiveScanReference,
} from '../ops/selectiveScan';
import { Rng, randomArray } from '../util/random';
import { intFlag, presetOf } from './args';
import { adapterLine, benchRuntime, fmt, measureCeilings, table, timeGroups } from './benchSetup';

interface Entry {
  name: string;
  shape: string;
  launches: Launch[];
  flops: number;
  bytes: number;
  /** exp2 evaluations, where a kernel's exps are a large part of its work (the scan) */
  exps?: number;
}

const F = 4; // bytes per float

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'i3-22m' },
    batch: { type: 'string', default: '16' },
    reps: { type: 'string', default: '20' },
    only: { type: 'string' },
    json: { type: 'string' },
    'no-scan-check': { type: 'boolean', default: false },
  },
});
const preset = presetOf(values.preset);
const config = presetConfig(preset);
const B = intFlag('batch', values.batch);
const reps = intFlag('reps', values.reps);
const T = config.max_seq_len;
const rows = B * T;
const { d_model: D, rank: r, dt_rank: R, d_state: N, n_heads: H, vocab_size: V } = config;

let seed = 1;
function random(rt: GpuRuntime, floats: number, scale = 1): GPUBuffer {
  return rt.bufferFrom(`bench.${seed}`, randomArray(floats, seed++, scale));
}

/** " (alt) key value …" for an alternative's overrides; "" for the default. */
const altLabel = (o: object) =>
  Object.keys(o).length > 0
    ? ` (alt) ${Object.entries(o)
        .map(([k, v]) => `${k} ${v}`)
        .join(' ')}`
    : '';

/** A product as the model runs it: through matmulSplitK, with its own partial-sum scratch. */
async function matmulEntry(rt: GpuRuntime, name: string, s: MatmulShape): Promise<Entry> {
  const { M, N: n, K, batch } = s;
  const count = batch?.count ?? 1;
  // A batch's terms at their strides (0: one operand they all share).
  const span = (size: number, stride = 0) => size + (count - 1) * stride;
  const sizeA = span(M * K, batch?.strideA);
  const sizeB = span(K * n, batch?.strideB);
  const sizeC = span(M * n, batch?.sum ? 0 : batch?.strideC);
  const C = random(rt, sizeC);
  const scratch = rt.buffer('bench.split', Math.max(1, splitKScratchFloats(s)) * F);
  const launches = await matmulSplitK(rt, random(rt, sizeA), random(rt, sizeB), C, scratch, s);
  return {
    name,
    shape: launches[0].label.replace(/^matmul /, ''),
    launches,
    flops: 2 * M * n * K * count,
    bytes: F * (sizeA + sizeB + sizeC * (s.accumulate ? 2 : 1)),
  };
}

/**
 * A batch of `count` maps inF → outF as the model runs q, k, v (3) or in_proj.up's u and z (2):
 * the forward (input shared), the summed input gradient and the weight gradients, each with the
 * 128×128 tile as an alternative.
 */
async function batchEntries(
  rt: GpuRuntime,
  name: string,
  count: number,
  inF: number,
  outF: number,
) {
  const out = rows * outF;
  const w = inF * outF;
  const shapes: [string, MatmulShape][] = [
    [
      'fwd',
      {
        M: rows,
        N: outF,
        K: inF,
        transB: true,
        batch: { count, strideA: 0, strideB: w, strideC: out },
      },
    ],
    ['dx', { M: rows, N: inF, K: outF, batch: { count, strideA: out, strideB: w, sum: true } }],
    [
      'dW',
      {
        ...{ M: outF, N: inF, K: rows, transA: true, accumulate: true },
        batch: { count, strideA: out, strideB: 0, strideC: w },
      },
    ],
  ];
  const entries: Entry[] = [];
  for (const [kind, shape] of shapes) {
    entries.push(...(await withAlternatives(rt, `${name} ${kind}`, shape, [{ tile: 128 }])));
  }
  return entries;
}

/**
 * The product with the tile and K slices that splitKPlan picks, then "(alt)" rows with the other
 * plans listed (a tile alone gets that tile's own slices), so that one run shows which is faster;
 * the shape column says each row's tile ("/64", "/128") and split ("split4").
 */
async function withAlternatives(
  rt: GpuRuntime,
  name: string,
  s: MatmulShape,
  alternatives: Partial<SplitKPlan>[],
): Promise<Entry[]> {
  const key = (p: SplitKPlan) => `${p.tile}/${p.splitK}`;
  const seen = new Set([key(splitKPlan(s))]);
  const entries = [await matmulEntry(rt, name, s)];
  for (const alt of alternatives) {
    const other = splitKPlan({ ...s, ...alt });
    if (seen.has(key(other))) continue;
    seen.add(key(other));
    entries.push(await matmulEntry(rt, `${name} (alt)`, { ...s, ...other }));
  }
  return entries;
}

/** The long-K head products: both tiles, the 128×128 one in 1 to 8 slices. */
const LONG_K_ALTERNATIVES: Partial<SplitKPlan>[] = [
  { tile: 64 },
  { tile: 64, splitK: 2 },
  { tile: 128, splitK: 1 },
  { tile: 128, splitK: 2 },
  { tile: 128, splitK: 4 },
  { tile: 128, splitK: 8 },
];

/** Each linear map x·Wᵀ of the model gives three products: forward, input grad, weight grad. */
async function linearEntries(rt: GpuRuntime, name: string, inF: number, outF: number) {
  return [
    await matmulEntry(rt, `${name} fwd`, { M: rows, N: outF, K: inF, transB: true }),
    await matmulEntry(rt, `${name} dx`, { M: rows, N: inF, K: outF }),
    await matmulEntry(rt, `${name} dW`, {
      M: outF,
      N: inF,
      K: rows,
      transA: true,
      accumulate: true,
    }),
  ];
}

// The scan's check on this adapter: the unit tests run on SwiftShader (subgroups of 4), so the
// kernels as this adapter compiles them are compared with the float64 reference first, at N 64
// (16 lanes a channel group, as i3-22m), a ragged last chunk and a partly idle last workgroup.
const SCAN_CHECK = { B: 2, T: 37, D: 72, N: 64, chunk: 16, channelsPerThread: 4 };
// fp32 sums of up to a few hundred O(1) terms, as the unit tests' tolerances (selectiveScan.test).
const SCAN_CHECK_TOL = { atol: 3e-5, rtol: 1e-5 };

/** Runs the scan at SCAN_CHECK against its float64 reference; throws on a mismatch. */
async function checkScan(rt: GpuRuntime): Promise<string> {
  const s = SCAN_CHECK;
  const rows = s.B * s.T;
  const x = randomScanInputs(s, 11);
  const dy = randomArray(rows * s.D, 12);
  const io = {
    ...scanInputBuffers(rt, x, 'check'),
    y: rt.buffer('check.y', rows * s.D * F),
    states: createSelectiveScanStates(rt, s),
    scratch: createSelectiveScanScratch(rt, s),
    dy: rt.bufferFrom('check.dy', dy),
    ...scanGradientBuffers(rt, s, 'check'),
  };
  const fwd = await selectiveScanForward(rt, io, s);
  const bwd = await selectiveScanBackward(rt, io, s);
  rt.run([fwd, ...bwd]);
  const g = selectiveScanBackwardReference(x, dy, s);
  const want: [keyof typeof io, Float64Array][] = [
    ['y', selectiveScanReference(x, s).y],
    ...(['du', 'dDelta', 'dBt', 'dCt', 'dALog', 'dDskip'] as const).map(
      (k) => [k, g[k]] as [keyof typeof io, Float64Array],
    ),
  ];
  let worst = 0;
  for (const [k, w] of want) {
    const got = await rt.readF32(io[k]);
    const bad = compare(got, w, SCAN_CHECK_TOL);
    if (bad)
      throw new Error(
        `selective scan check: ${k} off at ${bad.index} (${bad.actual} against ${bad.expected})`,
      );
    worst = Math.max(worst, maxAbsDiff(got, w));
  }
  rt.destroyAll(Object.values(io));
  return `scan check (B${s.B} T${s.T} D${s.D} N${s.N}, default geometry) against float64: largest |error| ${worst.toExponential(1)}`;
}

/**
 * The scan at its defaults, then "(alt)" rows with other kernel geometries (workgroup size,
 * channels per thread, the forward's block): how many threads walk, and how many share a
 * workgroup's sums. Each alternative's outputs are first checked against the default's; the
 * largest difference is printed.
 */
async function scanEntries(rt: GpuRuntime): Promise<Entry[]> {
  const base = { B, T, D, N, chunk: 16 };
  const rng = new Rng(7);
  // Δ in the range softplus gives at initialisation; A_log = log(n + 1) as the spec initialises.
  const delta = rt.bufferFrom(
    'bench.delta',
    rng.fillUniform(new Float32Array(rows * D), 1e-3, 0.1),
  );
  const uniform = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1);
  const [ALog, Dskip] = pairedBuffers(
    rt,
    'bench.A_log+D',
    Float32Array.from({ length: D * N }, (_, i) => Math.log((i % N) + 1)),
    uniform(D),
  );
  const [Bt, Ct] = pairedBuffers(rt, 'bench.Bt+Ct', uniform(rows * N), uniform(rows * N));
  const inputs = { u: random(rt, rows * D), delta, ALog, Dskip, Bt, Ct };
  const grads = { dy: random(rt, rows * D), ...scanGradientBuffers(rt, base, 'bench') };
  const elems = rows * D * N;
  const bytes = F * (2 * rows * D + 2 * rows * N + D * N + D);
  const forward = async (o: Partial<SelectiveScanShape>) => {
    const shape = { ...base, ...o };
    const states = createSelectiveScanStates(rt, shape);
    const y = random(rt, rows * D);
    const fwd = await selectiveScanForward(rt, { ...inputs, states, y }, shape);
    const entry: Entry = {
      // Per (t, c, n): Δ·A, decay·h + Δu·B (3), C·h (2): 6 FLOP, plus one exp (counted as 1).
      name: `selective scan fwd${altLabel(o)}`,
      shape: `B${B} T${T} D${D} N${N}`,
      launches: [fwd],
      flops: 7 * elems,
      bytes: bytes + F * rows * D + selectiveScanBufferBytes(shape).states,
      exps: selectiveScanExpCount(shape).forward,
    };
    return { entry, states, y, fwd, chunk: shape.chunk };
  };
  const backward = async (o: Partial<SelectiveScanShape>, states: GPUBuffer) => {
    const shape = { ...base, ...o };
    const bwd = await selectiveScanBackward(
      rt,
      { ...inputs, ...grads, states, scratch: createSelectiveScanScratch(rt, shape) },
      shape,
    );
    return {
      // Recomputes the chunk's states (7), then the adjoint: g = C·dy + a·g (4), dC, dB, dΔ, dA
      // terms (11): ≈22 FLOP per (t, c, n), plus the exp.
      name: `selective scan bwd${altLabel(o)}`,
      shape: `B${B} T${T} D${D} N${N}`,
      launches: bwd,
      flops: 22 * elems,
      bytes: bytes + F * rows * D + selectiveScanBufferBytes(shape).states + bytes,
      exps: selectiveScanExpCount(shape).backward,
    };
  };
  // The backward's overwritten outputs (dA_log and dDskip accumulate).
  const backwardOutputs = () =>
    Promise.all([grads.du, grads.dDelta, grads.dBt, grads.dCt].map((b) => rt.readF32(b)));
  const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
    Math.max(...a.map((x, i) => maxAbsDiff(x, b[i])));

  if (!values['no-scan-check']) console.log(await checkScan(rt));
  const g = selectiveScanGeometry(base);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const channels = `${g.channelsPerThread} channel${g.channelsPerThread === 1 ? '' : 's'}`;
  console.log(
    `scan workgroups: ${channels} a thread; forward ${g.forward.threads} threads, ` +
      `${g.forward.block}-step blocks, ${kib(g.forward.bytes)}; backward ${g.backward.threads} ` +
      `threads, ${kib(g.backward.bytes)}`,
  );
  const main = await forward({});
  rt.run([main.fwd]);
  const y0 = [await rt.readF32(main.y)];
  const mainBackward = await backward({}, main.states);
  rt.run(mainBackward.launches);
  const grads0 = await backwardOutputs();
  const entries = [main.entry, mainBackward];
  const checks: string[] = [];
  const geometries: Partial<SelectiveScanShape>[] = [
    { workgroupSize: 64 },
    { workgroupSize: 256 },
    { channelsPerThread: 1 },
    { channelsPerThread: 2 },
    { channelsPerThread: 4 },
    { channelsPerThread: 2, workgroupSize: 256 },
  ];
  const blocks = [{ block: 4 }, { block: 2 }, { block: 1 }];
  // A geometry this device cannot run (its workgroup memory) is reported and skipped, and so is
  // one that resolves to a geometry already timed (a workgroup halved to fit, the default's
  // channels).
  const kernelOf = (o: Partial<SelectiveScanShape>, what: 'forward' | 'backward') => {
    const alt = selectiveScanGeometry({ ...base, ...o });
    return JSON.stringify([what, alt.channelsPerThread, alt[what], o.chunk ?? base.chunk]);
  };
  const timed = new Set([kernelOf({}, 'forward'), kernelOf({}, 'backward')]);
  const tryAlt = async (
    what: string,
    o: Partial<SelectiveScanShape>,
    add: () => Promise<string>,
  ) => {
    const kernel = kernelOf(o, what === 'fwd' ? 'forward' : 'backward');
    if (timed.has(kernel)) {
      checks.push(`${what}${altLabel(o)}: skipped (a geometry already timed)`);
      return;
    }
    timed.add(kernel);
    try {
      checks.push(`${what}${altLabel(o)}: ${await add()}`);
    } catch (e) {
      checks.push(`${what}${altLabel(o)}: skipped (${(e as Error).message})`);
    }
  };
  // Chunks of one piece: twice the boundary states written and read, and no walk in the backward
  // to a chunk's second piece. Each chunk's backward reads the states its forward wrote.
  const chunks = [{ chunk: 8 }];
  const statesOf = new Map([[base.chunk, main.states]]);
  for (const o of [...geometries, ...blocks, ...chunks]) {
    await tryAlt('fwd', o, async () => {
      const alt = await forward(o);
      rt.run([alt.fwd]);
      entries.push(alt.entry);
      if (!statesOf.has(alt.chunk)) statesOf.set(alt.chunk, alt.states);
      return maxDiff([await rt.readF32(alt.y)], y0).toExponential(1);
    });
  }
  for (const o of [...geometries, ...chunks]) {
    await tryAlt('bwd', o, async () => {
      const states = statesOf.get(o.chunk ?? base.chunk);
      if (!states) throw new Error('no forward wrote states for this chunk');
      const alt = await backward(o, states);
      rt.run(alt.launches);
      entries.push(alt);
      return maxDiff(await backwardOutputs(), grads0).toExponential(1);
    });
  }
  console.log(
    `scan alternatives, largest |difference| from the default:\n  ${checks.join('\n  ')}`,
  );
  return entries;
}

async function attentionEntries(rt: GpuRuntime): Promise<Entry[]> {
  const shape = { B, T, D, H };
  const [q, k, v, out, dout, dq, dk, dv] = Array.from({ length: 8 }, () => random(rt, rows * D));
  const lse = rt.buffer('bench.lse', B * H * T * F);
  // Causal: half of the T×T scores. Forward QKᵀ and PV; backward recomputes QKᵀ and forms dV,
  // dP, dQ, dK: 2 and 5 products of B·T²·D/2 multiply-adds.
  const product = B * T * T * D;
  const io = F * rows * D;
  const entries = async (o: Partial<AttentionTiles>) => {
    const tiles = { ...attentionTiles(rt, shape), ...o };
    const fwd = await attentionForward(rt, q, k, v, out, lse, shape, tiles);
    const bwd = await attentionBackward(rt, q, k, v, out, dout, lse, dq, dk, dv, shape, tiles);
    rt.run([fwd, ...bwd]);
    const outputs = await Promise.all([out, lse, dq, dk, dv].map((b) => rt.readF32(b)));
    const fwdEntry: Entry = {
      name: `attention fwd${altLabel(o)}`,
      shape: `B${B} T${T} D${D} H${H}`,
      launches: [fwd],
      flops: 2 * product,
      bytes: 4 * io + F * B * H * T,
    };
    const bwdEntry: Entry = {
      name: `attention bwd${altLabel(o)}`,
      shape: `B${B} T${T} D${D} H${H}`,
      launches: bwd,
      flops: 5 * product,
      bytes: 8 * io + F * B * H * T,
    };
    return { entries: [fwdEntry, bwdEntry], outputs };
  };
  const main = await entries({});
  const all = [...main.entries];
  const checks: string[] = [];
  // Around the default (64 rows of 2 threads per workgroup, tiles of 32): other splits, rows and
  // tile lengths.
  for (const o of [{ split: 1 }, { split: 4 }, { BQ: 32 }, { BQ: 128, split: 1 }, { BK: 16 }]) {
    const alt = await entries(o);
    const diff = Math.max(...alt.outputs.map((x, i) => maxAbsDiff(x, main.outputs[i])));
    checks.push(`${altLabel(o).trim()}: ${diff.toExponential(1)}`);
    all.push(...alt.entries);
  }
  console.log(
    `attention alternatives (out, lse, dq, dk, dv), largest |difference| from the default:\n  ${checks.join('\n  ')}`,
  );
  return all;
}

async function lossEntries(rt: GpuRuntime): Promise<Entry[]> {
  const rng = new Rng(3);
  const logits = random(rt, rows * V, 4);
  const targets = rt.bufferFrom(
    'bench.targets',
    Uint32Array.from({ length: rows }, () => 1 + rng.int(V - 1)),
  );
  const perRow = rt.buffer('bench.perRow', perRowFloats(rows) * F);
  const stats = rt.buffer('bench.stats', 16);
  const shape = { rows, V, ignoreIndex: 0 };
  const fwd = await crossEntropyLoss(rt, logits, targets, perRow, stats, shape);
  const bwd = await crossEntropyBackward(rt, logits, targets, perRow, stats, shape);
  const logitBytes = F * rows * V;
  return [
    // ~4 FLOP per logit (max, subtract, exp, add) forward; softmax minus one-hot backward.
    {
      name: 'cross-entropy fwd',
      shape: `${rows}x${V}`,
      launches: fwd,
      flops: 4 * rows * V,
      bytes: logitBytes,
    },
    {
      name: 'cross-entropy bwd',
      shape: `${rows}x${V}`,
      launches: [bwd],
      flops: 3 * rows * V,
      bytes: 2 * logitBytes,
    },
  ];
}

async function normEntries(rt: GpuRuntime): Promise<Entry[]> {
  const [x, y, dy, dx] = Array.from({ length: 4 }, () => random(rt, rows * D));
  const w = random(rt, D);
  const rstd = rt.buffer('bench.rstd', rows * F);
  const shape = { rows, D };
  const fwd = await rmsnormForward(rt, x, w, y, rstd, shape);
  const bwd = await rmsnormBackward(rt, x, w, rstd, dy, dx, random(rt, D), shape);
  rt.run([fwd]);
  const act = F * rows * D;
  return [
    {
      name: 'rmsnorm fwd',
      shape: `${rows}x${D}`,
      launches: [fwd],
      flops: 4 * rows * D,
      bytes: 2 * act,
    },
    {
      name: 'rmsnorm bwd',
      shape: `${rows}x${D}`,
      launches: bwd,
      flops: 8 * rows * D,
      bytes: 3 * act,
    },
  ];
}

async function optimizerEntries(rt: GpuRuntime): Promise<Entry[]> {
  const n = parameterLayout(config).totalFloats;
  const grads = random(rt, n, 1e-3);
  // Split into the model's parts, as training runs it.
  const parts = gradientParts(config).map((p) => p.start);
  const normStats = rt.buffer('bench.normStats', gradNormStatsFloats(parts.length) * F);
  const norm = await gradNorm(
    rt,
    grads,
    rt.buffer('bench.partials', gradNormPartials(n, parts) * F),
    normStats,
    { n, maxNorm: 1, parts },
  );
  const segments = decaySegmentTable([{ start: 0, decay: true }]);
  const step = await adamw(
    rt,
    {
      params: random(rt, n),
      grads,
      m: random(rt, n, 1e-3),
      v: rt.bufferFrom('bench.v', new Rng(9).fillUniform(new Float32Array(n), 1e-8, 1e-6)),
      normStats,
    },
    { n, segments },
    { lr: 1e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
  );
  rt.run(norm);
  return [
    { name: 'grad norm', shape: `n=${n}`, launches: norm, flops: 2 * n, bytes: F * n },
    // Reads p, g, m, v; writes p, m, v and the zeroed g.
    { name: 'AdamW', shape: `n=${n}`, launches: [step], flops: 16 * n, bytes: 8 * F * n },
  ];
}

async function main() {
  const rt = await benchRuntime();
  console.log(`# bench:kernels — ${preset}, batch ${B} × T ${T} (${rows} rows), ${reps} reps`);
  console.log(`adapter: ${adapterLine(rt)}`);
  const ceilings = await measureCeilings(rt, preset === 'i3-22m', reps);
  console.log(
    `ceilings: copy ${fmt(ceilings.copyBytesPerS / 1e9)} GB/s [${ceilings.copyMethod}]; ` +
      `FMA ${fmt(ceilings.fmaFlopsPerS / 1e9)} GFLOP/s (register-resident fp32 FMA loop); ` +
      `exp2 ${fmt(ceilings.exp2PerS / 1e9)} G/s (the same loop of exp2)`,
  );
  // Groups of entries by what they time; --only builds just the groups whose key contains it.
  const groups: [string, () => Promise<Entry[]>][] = [
    [
      'head matmul',
      async () => [
        ...(await withAlternatives(
          rt,
          'head fwd (logits = x·Eᵀ)',
          { M: rows, N: V, K: D, transB: true },
          [{ tile: 64 }],
        )),
        ...(await withAlternatives(
          rt,
          'head dx (dlogits·E)',
          { M: rows, N: D, K: V },
          LONG_K_ALTERNATIVES,
        )),
        ...(await withAlternatives(
          rt,
          'head dW (dlogitsᵀ·x)',
          { M: V, N: D, K: rows, transA: true, accumulate: true },
          LONG_K_ALTERNATIVES,
        )),
      ],
    ],
    [
      'low-rank matmul',
      async () => [
        ...(await linearEntries(rt, `down D→r`, D, r)),
        ...(await linearEntries(rt, `up r→D`, r, D)),
        ...(
          await withAlternatives(rt, 'up r→D fwd', { M: rows, N: D, K: r, transB: true }, [
            { tile: 128 },
          ])
        ).slice(1),
        ...(await batchEntries(rt, 'q, k, v', 3, r, D)),
        ...(await batchEntries(rt, 'u, z', 2, r, D)),
        await matmulEntry(rt, 'x_proj B fwd', { M: rows, N: N, K: D, transB: true }),
        await matmulEntry(rt, 'dt_proj fwd', { M: rows, N: D, K: R, transB: true }),
      ],
    ],
    ['selective scan', () => scanEntries(rt)],
    ['attention', () => attentionEntries(rt)],
    ['cross-entropy loss', () => lossEntries(rt)],
    ['rmsnorm', () => normEntries(rt)],
    ['adamw optimizer', () => optimizerEntries(rt)],
  ];
  const entries: Entry[] = [];
  for (const [key, build] of groups) {
    if (!values.only || key.includes(values.only)) entries.push(...(await build()));
  }
  // Keyed by index: the "(alt)" rows share their product's name.
  const times = await timeGroups(
    rt,
    entries.map((e, i) => ({ name: `${i}`, launches: e.launches })),
    reps,
  );
  const results = entries.map((e, i) => {
    const ms = times.get(`${i}`) ?? Number.NaN;
    const s = ms / 1e3;
    const floor = Math.max(e.flops / ceilings.fmaFlopsPerS, e.bytes / ceilings.copyBytesPerS) * 1e3;
    return {
      name: e.name,
      shape: e.shape,
      ms,
      gflops: e.flops / s / 1e9,
      gbs: e.bytes / s / 1e9,
      pctFma: (100 * e.flops) / s / ceilings.fmaFlopsPerS,
      pctBw: (100 * e.bytes) / s / ceilings.copyBytesPerS,
      floorMs: floor,
      flops: e.flops,
      bytes: e.bytes,
      // The table's floor counts an exp as one FLOP at the FMA rate; the special-function unit
      // that runs it is slower, so these say how busy that unit kept.
      exp2:
        e.exps === undefined
          ? undefined
          : {
              perElement: e.exps / (rows * D * N),
              perS: e.exps / s,
              pctCeiling: (100 * e.exps) / s / ceilings.exp2PerS,
              floorMs: (e.exps / ceilings.exp2PerS) * 1e3,
            },
    };
  });
  console.log(
    table(
      ['kernel', 'shape', 'median ms', 'GFLOP/s', 'GB/s', '% FMA', '% copy', 'floor ms', '× floor'],
      results.map((x) => [
        x.name,
        x.shape,
        x.ms,
        x.gflops,
        x.gbs,
        x.pctFma,
        x.pctBw,
        x.floorMs,
        x.ms / x.floorMs,
      ]),
    ),
  );
  const expRows = results.flatMap((x) =>
    x.exp2
      ? [[x.name, x.exp2.perElement, x.exp2.perS / 1e9, x.exp2.pctCeiling, x.exp2.floorMs]]
      : [],
  );
  if (expRows.length > 0) {
    console.log('exp2 evaluations (the scan: one per decay exp(Δ·A) it computes):');
    console.log(
      table(['kernel', 'exp2 / (t, c, n)', 'G exp2/s', '% exp2 ceiling', 'exp2 floor ms'], expRows),
    );
  }
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify({ preset, B, T, reps, adapter: adapterLine(rt), ceilings, results }, null, 2),
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
