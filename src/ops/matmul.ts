// The matmul family: C (+)= alpha · op(A) · op(B) with op ∈ {identity, transpose}.
// Every projection of the model is one of these: forward y = x·Wᵀ (NT), input gradient
// dx = dy·W (NN), weight gradient dW += dyᵀ·x (TN, accumulating).
import {
  type Binding,
  f32,
  type GpuRuntime,
  grid1d,
  type Launch,
  type Param,
  u32,
} from '../gpu/runtime';
import { softplus } from './activations';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Add into C instead of overwriting it (gradient accumulation). */
  accumulate?: boolean;
  alpha?: number;
  /** Leading dimensions (row strides as stored); default to the packed layout. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Element offsets into A, B and C. */
  offA?: number;
  offB?: number;
  offC?: number;
  /** Tile side of C per workgroup: 64 (matmul.wgsl) or 128 (matmul_large.wgsl); see matmulTile. */
  tile?: 64 | 128;
  /** K slices for matmulSplitK (default: splitKPlan's). */
  splitK?: number;
  /** Several products of this shape in one launch. */
  batch?: MatmulBatch;
  /**
   * An elementwise op fused into the store, with its operand E (the plan then takes the 64×64
   * kernel, unsplit; one term only): 'softplusBias' writes softplus(product + E[n]); 'residual'
   * writes product + E, E laid out like C.
   */
  epilogue?: MatmulEpilogue;
}

export type MatmulEpilogue = 'softplusBias' | 'residual';

const EPILOGUE_CODE: Record<MatmulEpilogue, number> = { softplusBias: 1, residual: 2 };

/**
 * A batch of products in one launch (workgroup z): term t reads A at offA + t·strideA and B at
 * offB + t·strideB and writes C at offC + t·strideC; with `sum`, every term adds into the one C
 * instead, through the split-K partial sums (the input gradient of maps that share an input). One
 * launch of count × the workgroups fills a GPU that each small product alone leaves mostly idle.
 */
export interface MatmulBatch {
  count: number;
  strideA: number;
  strideB: number;
  strideC?: number;
  sum?: boolean;
}

const terms = (s: MatmulShape) => s.batch?.count ?? 1;

/** The kernel of each tile side; both read the Params of matmulParams (matmul_operands.wgsl). */
const TILE_SHADER = { 64: 'matmul', 128: 'matmul_large' } as const;

/** A tiled kernel's storage bindings: the 64×64 one also binds its epilogue's E (A when unused). */
const tileBuffers = (tile: 64 | 128, A: Binding, B: Binding, C: Binding, E?: Binding) =>
  tile === 64 ? [A, B, C, E ?? A] : [A, B, C];

/** Workgroups that fill a large GPU: about two per multiprocessor (an H200 has 132). */
const FILL_WORKGROUPS = 256;

const tileCount = (s: MatmulShape, tile: number) => Math.ceil(s.M / tile) * Math.ceil(s.N / tile);

/**
 * The tile of an unsplit matmul: 128×128 only where that still gives FILL_WORKGROUPS (of the
 * i3-22m products, the head's logits: 4,096 × 4,466, 1,120 tiles). Smaller outputs keep the 64×64
 * kernel, whose four times as many workgroups fill the GPU better. A batch's terms do not count:
 * q, k and v (3 × 4,096 × 512, K 128) took 0.101 ms in 128×128 tiles on an H200, no faster than
 * three 64×64 launches (0.034 ms each).
 */
export function matmulTile(shape: MatmulShape): 64 | 128 {
  if (shape.tile) return shape.tile;
  // A fused store exists in the 64×64 kernel only.
  if (shape.epilogue) return 64;
  return tileCount(shape, 128) >= FILL_WORKGROUPS ? 128 : 64;
}

function resolved(s: MatmulShape) {
  const transA = s.transA ?? false;
  const transB = s.transB ?? false;
  return {
    ...s,
    transA,
    transB,
    accumulate: s.accumulate ?? false,
    alpha: s.alpha ?? 1,
    lda: s.lda ?? (transA ? s.M : s.K),
    ldb: s.ldb ?? (transB ? s.K : s.N),
    ldc: s.ldc ?? s.N,
    offA: s.offA ?? 0,
    offB: s.offB ?? 0,
    offC: s.offC ?? 0,
  };
}

/**
 * The Params struct of matmul_operands.wgsl (the tiled kernels' and matvec.wgsl's): without a
 * split, one slice of all K; terms t of a batch at t·strides (C's given, or the partial sums').
 */
function matmulParams(
  s: ReturnType<typeof resolved>,
  kChunk = s.K,
  splitStride = 0,
  slices = 1,
  strideC = s.batch?.strideC ?? 0,
): Param[] {
  return [
    u32(s.M),
    u32(s.N),
    u32(s.K),
    u32(s.lda),
    u32(s.ldb),
    u32(s.ldc),
    u32(s.offA),
    u32(s.offB),
    u32(s.offC),
    f32(s.alpha),
    u32(kChunk),
    u32(splitStride),
    u32(slices),
    u32(s.batch?.strideA ?? 0),
    u32(s.batch?.strideB ?? 0),
    u32(strideC),
  ];
}

/** "name MxNxK NT/128": the profiler groups launches by label, so shape and tile are part of it. */
function matmulLabel(name: string, shape: MatmulShape): string {
  const t = (x?: boolean) => (x ? 'T' : 'N');
  const { M, N, K, batch } = shape;
  const count = batch ? ` ${batch.sum ? 'sum' : 'batch'}${batch.count}` : '';
  return `${name} ${M}x${N}x${K}${count} ${t(shape.transA)}${t(shape.transB)}/${matmulTile(shape)}`;
}

/** Rows of A up to which an A·Bᵀ product goes to matvec.wgsl (generation's one-token steps). */
export const MATVEC_MAX_ROWS = 8;

export function matmul(
  rt: GpuRuntime,
  A: Binding,
  B: Binding,
  C: Binding,
  shape: MatmulShape,
  label = 'matmul',
  E?: Binding,
): Promise<Launch> {
  const s = resolved(shape);
  if (s.batch?.sum) throw new Error('matmul: a summed batch needs matmulSplitK');
  const tile = matmulTile(s);
  if (s.epilogue && (tile !== 64 || s.batch || !E)) {
    throw new Error(`matmul: the ${s.epilogue} epilogue needs E, the 64×64 tile and one term`);
  }
  if (s.M <= MATVEC_MAX_ROWS && s.transB && !s.transA && !shape.tile && !s.batch && !s.epilogue) {
    return rt.launch({
      shader: 'matvec',
      label: `${label} ${s.M}x${s.N}x${s.K} matvec`,
      constants: { ACCUMULATE: s.accumulate },
      params: matmulParams(s),
      buffers: [A, B, C],
      workgroups: grid1d(Math.ceil(s.N / 8)),
    });
  }
  const constants = { TRANS_A: s.transA, TRANS_B: s.transB, ACCUMULATE: s.accumulate };
  return rt.launch({
    shader: TILE_SHADER[tile],
    label: matmulLabel(label, s),
    constants: s.epilogue ? { ...constants, EPILOGUE: EPILOGUE_CODE[s.epilogue] } : constants,
    params: matmulParams(s),
    buffers: tileBuffers(tile, A, B, C, E),
    workgroups: [Math.ceil(s.N / tile), Math.ceil(s.M / tile), terms(s)],
  });
}

/**
 * The least K a slice keeps, per tile: each slice writes M·N partial sums that the reduction reads
 * back (8 bytes per output element) against 2·kChunk FLOP per element. For the 64×64 tile (the
 * rank-128 products' weight gradients, 16 output tiles for K = 4,096) 256 is worth it: without a
 * split those ran at 22× their floor. For the 128×128 tile, 512: there the partial sums cost about
 * 5% of a slice's FMA time at an H200's measured rates (8 B / 3.6 TB/s against 1,024 FLOP /
 * 25 TFLOP/s per element).
 */
const SPLIT_MIN_K = { 64: 256, 128: 512 } as const;
/** At most 64 slices: the reduction sums them one after another for each output element. */
const MAX_SPLIT = 64;

/**
 * 128×128 workgroups an H200 runs at once (a wave): 132 multiprocessors × 2, as its timings show.
 * The head's input gradient (128 tiles) took 0.85 ms unsplit and 0.63 ms in 2 slices (256
 * workgroups, one wave, half the K each: two share a multiprocessor); its weight gradient (140
 * tiles) took 1.06 ms in 2 slices (280: a wave and 16 workgroups), 0.83 in 4 (560) and 0.75 in 8.
 * Tuned for the H200 (the target of the head's kernels): on a GPU with fewer multiprocessors the
 * slices cost their partial sums' traffic and balance nothing.
 */
const LARGE_WAVE = 264;

/** K per slice: a multiple of both kernels' K panels (16 and 8), so only the last one is partial. */
const kChunkOf = (K: number, S: number) => Math.ceil(K / S / 16) * 16;

/** 64×64 tile: enough slices for FILL_WORKGROUPS, as far as SPLIT_MIN_K allows. */
function slices64(shape: MatmulShape): number {
  const byFill = Math.ceil(FILL_WORKGROUPS / (tileCount(shape, 64) * terms(shape)));
  return Math.max(1, Math.min(byFill, Math.floor(shape.K / SPLIT_MIN_K[64]), MAX_SPLIT));
}

/**
 * 128×128 tile: the slice count (up to K / SPLIT_MIN_K) with the shortest critical path, waves of
 * LARGE_WAVE workgroups × K per slice; on a tie the fewer slices (less partial-sum traffic). On an
 * H200 this path put the measured times of both head gradients in 1 to 12 slices in order. It
 * gives the input gradient 2 slices (one wave; 4 and 8 tie: 0.63 ms against 0.65 and 0.69) and
 * the weight gradient 7 (980 workgroups, four waves of 592: 2,368 steps of K and 0.69 ms, against
 * 2,560 and 0.75 ms in 8 slices).
 */
function slices128(shape: MatmulShape): number {
  const tiles = tileCount(shape, 128) * terms(shape);
  const most = Math.min(Math.floor(shape.K / SPLIT_MIN_K[128]), MAX_SPLIT);
  let best = 1;
  let bestSteps = Math.ceil(tiles / LARGE_WAVE) * shape.K;
  for (let S = 2; S <= most; S++) {
    const kChunk = kChunkOf(shape.K, S);
    const steps = Math.ceil((tiles * Math.ceil(shape.K / kChunk)) / LARGE_WAVE) * kChunk;
    if (steps < bestSteps) [best, bestSteps] = [S, steps];
  }
  return best;
}

const SLICES = { 64: slices64, 128: slices128 } as const;

export interface SplitKPlan {
  tile: 64 | 128;
  /** K slices (1: the plain matmul). */
  splitK: number;
}

/**
 * Tile and K slices of matmulSplitK, from the shape alone (shape.tile and shape.splitK, when
 * given, override their part). The 128×128 tile (8×8 per thread, twice the 64×64 tile's reuse of
 * each staged value) wherever it gives FILL_WORKGROUPS, split as slices128 says: the head's
 * logits (1,120 tiles, K 512: no split), its input gradient (128 tiles × 2 slices of K 4,466) and
 * weight gradient (140 tiles × 7 slices of K 4,096). Elsewhere the 64×64 tile, split where its
 * own tiles are too few and K allows: the rank-128 products (e.g. dW of 128 × 512, K 4,096:
 * 16 tiles × 16 slices). With one slice the tile is matmulTile's.
 */
export function splitKPlan(shape: MatmulShape): SplitKPlan {
  // A fused store needs the whole sum, so its product is never split (the model's fused
  // products, dt_proj and out_proj.up, have a short K: dt_rank and rank).
  if (shape.epilogue) return { tile: matmulTile(shape), splitK: 1 };
  const large = tileCount(shape, 128) * (shape.splitK ?? slices128(shape)) >= FILL_WORKGROUPS;
  const tile = shape.tile ?? (large ? 128 : 64);
  // Fewer slices than asked where K is only a few panels long (kChunkOf rounds up); one slice is
  // the plain matmul, with its own tile.
  const splitK = Math.ceil(shape.K / kChunkOf(shape.K, shape.splitK ?? SLICES[tile](shape)));
  return { tile: splitK > 1 ? tile : matmulTile(shape), splitK };
}

/** Whether matmulSplitK goes through partial sums: K split, or a summed batch. */
const usesPartials = (shape: MatmulShape) =>
  splitKPlan(shape).splitK > 1 || shape.batch?.sum === true;

/** Floats of the partial products of a shape written through matmulPartials. */
export function partialFloats(shape: MatmulShape): number {
  return terms(shape) * splitKPlan(shape).splitK * shape.M * shape.N;
}

/** Floats of the partial products a matmulSplitK of this shape needs (0 when it needs none). */
export function splitKScratchFloats(shape: MatmulShape): number {
  return usesPartials(shape) ? partialFloats(shape) : 0;
}

/** Where a product's partial sums lie in a scratch buffer and where their sums go in C. */
export interface PartialSums {
  offset: number;
  S: number;
  M: number;
  N: number;
  ldc: number;
  offC: number;
  outputs: number;
  strideC: number;
}

/** Sums per reduction launch (MAX_SUMS of matmul_split_reduce.wgsl). */
const MAX_REDUCED_PRODUCTS = 8;

/**
 * The first launch of a split-K (or batched) product alone: its S partial products per batch
 * term, written `offset` floats into `scratch`, and where they go (matmulReduce adds them up).
 */
export async function matmulPartials(
  rt: GpuRuntime,
  A: Binding,
  B: Binding,
  scratch: Binding,
  shape: MatmulShape,
  label: string,
  offset = 0,
): Promise<{ launch: Launch; sums: PartialSums }> {
  const { tile, splitK: S } = splitKPlan(shape);
  const s = resolved(shape);
  const kChunk = kChunkOf(s.K, S);
  const size = s.M * s.N;
  const count = terms(s);
  const launch = await rt.launch({
    shader: TILE_SHADER[tile],
    label: `${matmulLabel(label, { ...s, tile })}${S > 1 ? ` split${S}` : ''}`,
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, ACCUMULATE: false },
    params: matmulParams({ ...s, ldc: s.N, offC: offset, alpha: 1 }, kChunk, size, S, S * size),
    buffers: tileBuffers(tile, A, B, scratch),
    workgroups: [Math.ceil(s.N / tile), Math.ceil(s.M / tile), count * S],
  });
  // A summed batch's terms all add into one C: one output of all count·S partials.
  const outputs = s.batch?.sum ? 1 : count;
  const sums = {
    offset,
    S: (count * S) / outputs,
    M: s.M,
    N: s.N,
    ldc: s.ldc,
    offC: s.offC,
    outputs,
    strideC: s.batch?.strideC ?? 0,
  };
  return { launch, sums };
}

/**
 * C (+)= alpha · (the sums of each product's partials), for up to MAX_REDUCED_PRODUCTS products
 * whose partials lie in one scratch buffer and whose outputs are in C: one launch.
 */
export function matmulReduce(
  rt: GpuRuntime,
  scratch: Binding,
  C: Binding,
  sums: PartialSums[],
  label: string,
  { alpha = 1, accumulate = true } = {},
): Promise<Launch> {
  if (sums.length < 1 || sums.length > MAX_REDUCED_PRODUCTS) {
    throw new Error(`matmul reduce: ${sums.length} products, not 1..${MAX_REDUCED_PRODUCTS}`);
  }
  const most = Math.max(...sums.map((d) => d.M * d.N * d.outputs));
  return rt.launch({
    shader: 'matmul_split_reduce',
    label,
    constants: { ACCUMULATE: accumulate },
    params: [
      u32(sums.length),
      f32(alpha),
      u32(0),
      u32(0),
      // The table's unused entries are zeros.
      ...Array.from({ length: MAX_REDUCED_PRODUCTS }, (_, i) => {
        const d = sums[i];
        return d
          ? [d.offset, d.S, d.M, d.N, d.ldc, d.offC, d.outputs, d.strideC]
          : Array(8).fill(0);
      })
        .flat()
        .map(u32),
    ],
    buffers: [scratch, C],
    workgroups: [...grid1d(Math.ceil(most / 256)), sums.length],
  });
}

/**
 * C (+)= alpha · op(A)·op(B) with K cut into S slices: the first launch writes S partial products
 * (per batch term) to `scratch` (one buffer can serve every split matmul of a model: they run one
 * after another), the second adds them into C (each term's, or all terms' into one C for a summed
 * batch). With S = 1 and no sum it is the plain matmul.
 */
export async function matmulSplitK(
  rt: GpuRuntime,
  A: Binding,
  B: Binding,
  C: Binding,
  scratch: Binding,
  shape: MatmulShape,
  label = 'matmul',
  E?: Binding,
): Promise<Launch[]> {
  if (!usesPartials(shape)) return [await matmul(rt, A, B, C, shape, label, E)];
  if (shape.epilogue) throw new Error(`matmul: no ${shape.epilogue} epilogue on a summed batch`);
  const { launch, sums } = await matmulPartials(rt, A, B, scratch, shape, label);
  const s = resolved(shape);
  const reduce = await matmulReduce(rt, scratch, C, [sums], `${label} split-reduce ${s.M}x${s.N}`, {
    alpha: s.alpha,
    accumulate: s.accumulate,
  });
  return [launch, reduce];
}

/** CPU reference, accumulating in float64; E is the epilogue's operand. */
export function matmulReference(
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  C: Float32Array | Float64Array,
  shape: MatmulShape,
  E?: ArrayLike<number>,
): void {
  const s = resolved(shape);
  const batch = s.batch ?? { count: 1, strideA: 0, strideB: 0 };
  const sum = new Float64Array(s.M * s.N);
  for (let t = 0; t < batch.count; t++) {
    const oA = s.offA + t * batch.strideA;
    const oB = s.offB + t * batch.strideB;
    for (let m = 0; m < s.M; m++) {
      for (let n = 0; n < s.N; n++) {
        let acc = 0;
        for (let k = 0; k < s.K; k++) {
          const a = s.transA ? A[oA + k * s.lda + m] : A[oA + m * s.lda + k];
          const b = s.transB ? B[oB + n * s.ldb + k] : B[oB + k * s.ldb + n];
          acc += a * b;
        }
        if (batch.sum) {
          sum[m * s.N + n] += acc;
          continue;
        }
        const idx = s.offC + t * (batch.strideC ?? 0) + m * s.ldc + n;
        let v = s.alpha * acc;
        if (s.epilogue === 'softplusBias') v = softplus(v + (E as ArrayLike<number>)[n]);
        if (s.epilogue === 'residual') v += (E as ArrayLike<number>)[idx];
        C[idx] = v + (s.accumulate ? C[idx] : 0);
      }
    }
  }
  if (!batch.sum) return;
  for (let m = 0; m < s.M; m++) {
    for (let n = 0; n < s.N; n++) {
      const idx = s.offC + m * s.ldc + n;
      C[idx] = s.alpha * sum[m * s.N + n] + (s.accumulate ? C[idx] : 0);
    }
  }
}
