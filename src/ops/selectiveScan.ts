// The selective scan of the i3 SSM (spec: "Selective-scan SSM"), per sequence b, channel c, state n:
//   A = -exp(A_log);  h_t = exp(Δ_t·A)·h_{t-1} + Δ_t·Bt_t·u_t (h_{-1} = 0);  y_t = Ct_t·h_t + Dskip·u_t
// Forward and backward (the reverse scan, then the pass finishing its partial sums) launches,
// with float64 CPU references; the one-token decode step is in ssmStep.ts.
// The full state history (B·T·D·N floats) is never stored: the forward keeps h on chip and writes
// one state per chunk boundary; the backward recomputes each chunk's states from there.
import {
  alignToBinding,
  type Binding,
  checkWorkgroup,
  type GpuRuntime,
  grid1d,
  type Launch,
  spanOf,
  u32,
  workgroupLimits,
} from '../gpu/runtime';
import { Rng } from '../util/random';

export interface SelectiveScanShape {
  B: number;
  T: number;
  D: number;
  /** States per channel; a multiple of 4 (the kernels hold states in vec4s). */
  N: number;
  /** Steps per chunk: the forward keeps one state per chunk boundary (1..16; default 16). */
  chunk?: number;
  /**
   * Threads per workgroup of both scan kernels (default 128), fewer where the channels need fewer
   * or their workgroup memory would not fit.
   */
  workgroupSize?: number;
  /** Channels each thread holds 4 states of, 1..4 (default: 4 where that leaves enough threads). */
  channelsPerThread?: number;
  /**
   * Steps per staged block of the forward: 1, 2, 4 or 8, dividing the chunk (default the longest
   * that does and fits).
   */
  block?: number;
  /** Workgroup memory the kernels may take, in bytes (default 32 KiB; see scanWorkgroupBytes). */
  workgroupBytes?: number;
}

const MAX_CHUNK = 16; // MAX_CHUNK of selective_scan_backward.wgsl
const PIECE = 8; // PIECE of selective_scan_backward.wgsl
const MAX_CHANNELS_PER_THREAD = 4; // MAX_CH of selective_scan_lane.wgsl
// Steps per staged forward block (PF), longest first. Each block ends in the sums of its y, so
// longer blocks mean fewer of them: at i3-22m, B 16, blocks of 8 took 0.0764 ms where blocks of 4
// took 0.0825 (run AB3), with one stage buffer so that the 8-step block still fits 23 KiB.
const FORWARD_BLOCKS = [8, 4, 2, 1];
const REDUCE_WG = 256; // workgroup size of selective_scan_backward_reduce.wgsl
// Workgroup memory both kernels are sized to by default: the stage of their inputs and the parts
// of their sums. 32 KiB is what desktop adapters grant (WebGPU guarantees 16); at i3-22m it holds a
// 128-thread backward, 32 channels (22 KiB), and a forward staging 8 steps at a time (23 KiB).
// What a workgroup takes also sets how many share a multiprocessor: on the H200 (48 KiB a
// workgroup) two 22 KiB backward workgroups did, two of 30 KiB did not (runs X2-X3); a
// multiprocessor there holds about 52 KiB of workgroup memory in all (run AA1).
const WORKGROUP_BYTES = 32768;

/** The workgroup memory budget for this device: 32 KiB, or less where the device grants less. */
export function scanWorkgroupBytes(rt: GpuRuntime): number {
  return Math.min(WORKGROUP_BYTES, workgroupLimits(rt).bytes);
}

const SCAN_REMEDY = 'give the shape workgroupBytes: scanWorkgroupBytes(rt)';

// Threads the scan keeps at least, where it can, before it gives a thread more channels. More
// channels a thread sum more in registers but leave fewer threads to hide each step's latency. On
// the H200 (runs W15-W17): i3-22m at B 16 and B 8, 4 channels (32,768 and 16,384 threads) beat 2
// and 1 (backward 0.529 against 0.851 and 1.61 ms; 0.283 against 0.448 and 0.835); i3-tiny at B 16
// (8,192 threads with 1), 1 beat 4 (backward 0.112 against 0.203 ms).
const MIN_THREADS = 16384;

/** The most channels a thread (4, 2 or 1) that leave the scan MIN_THREADS threads. */
function defaultChannelsPerThread(s: SelectiveScanShape): number {
  const threads = (s.B * s.D * s.N) / 4;
  return [4, 2].find((ch) => threads / ch >= MIN_THREADS) ?? 1;
}

/**
 * Lanes (threads) per channel group, channel groups per workgroup, channels per workgroup and
 * workgroups along D, for `wg` threads that each hold 4 states of `ch` channels.
 */
function laneGrid(s: SelectiveScanShape, wg: number, ch: number) {
  const lanes = s.N / 4;
  if (lanes > wg) throw new Error(`selective scan: N ${s.N} needs more than ${wg} lanes`);
  const groupsPerWorkgroup = Math.floor(wg / lanes);
  const channels = groupsPerWorkgroup * ch;
  return { wg, lanes, groupsPerWorkgroup, channels, groupsD: Math.ceil(s.D / channels) };
}

type LaneGrid = ReturnType<typeof laneGrid>;

/**
 * The forward's workgroup memory, per block step: the stage (Δ, u; Bt, Ct) and the parts of y (each
 * group's row a slot longer than its lanes).
 */
const forwardBytes = (g: LaneGrid, block: number) =>
  block *
  (16 * 2 * g.groupsPerWorkgroup + 16 * 2 * g.lanes + 16 * g.groupsPerWorkgroup * (g.lanes + 1));
/**
 * The backward's: the stage of two pieces' inputs (Δ, u, dy; Bt, Ct), one step's parts of its
 * four sums (du and dΔ's rows a slot longer than a group's lanes) and its channels' Dskip.
 */
const backwardBytes = (g: LaneGrid) =>
  2 * PIECE * (16 * 3 * g.groupsPerWorkgroup + 16 * 2 * g.lanes) +
  16 * 2 * (g.wg + g.groupsPerWorkgroup * (g.lanes + 1)) +
  4 * g.channels;

/** The largest grid of at most `wg` threads (halving) that `fits` its workgroup memory. */
function fittingGrid(
  s: SelectiveScanShape,
  wg: number,
  ch: number,
  fits: (g: LaneGrid) => boolean,
) {
  let g = laneGrid(s, wg, ch);
  while (!fits(g)) {
    if (g.wg / 2 < g.lanes) {
      throw new Error(`selective scan: N ${s.N} does not fit the workgroup memory it may take`);
    }
    g = laneGrid(s, Math.floor(g.wg / 2), ch);
  }
  return g;
}

function resolved(s: SelectiveScanShape) {
  const chunk = s.chunk ?? 16;
  if (!(Number.isInteger(chunk) && chunk >= 1 && chunk <= MAX_CHUNK)) {
    throw new Error(`selective scan: chunk ${chunk} must be an integer in 1..${MAX_CHUNK}`);
  }
  if (s.N % 4 !== 0) throw new Error(`selective scan: N ${s.N} must be a multiple of 4`);
  const ch = s.channelsPerThread ?? defaultChannelsPerThread(s);
  if (!(Number.isInteger(ch) && ch >= 1 && ch <= MAX_CHANNELS_PER_THREAD)) {
    throw new Error(
      `selective scan: channelsPerThread ${ch} must be 1..${MAX_CHANNELS_PER_THREAD}`,
    );
  }
  // No more threads than the channels need: each staged input is read for every channel slot.
  const wg = Math.min(s.workgroupSize ?? 128, (s.N / 4) * Math.ceil(s.D / ch));
  const budget = s.workgroupBytes ?? WORKGROUP_BYTES;
  if (s.block !== undefined && chunk % s.block !== 0) {
    throw new Error(`selective scan: block ${s.block} must divide the chunk (${chunk})`);
  }
  // A block never straddles a chunk boundary: the forward stores a chunk's state after a block.
  const blockFor = (g: LaneGrid) =>
    FORWARD_BLOCKS.find(
      (b) => (s.block ?? b) === b && chunk % b === 0 && forwardBytes(g, b) <= budget,
    );
  const fwd = fittingGrid(s, wg, ch, (g) => blockFor(g) !== undefined);
  const bwd = fittingGrid(s, wg, ch, (g) => backwardBytes(g) <= budget);
  return {
    ...s,
    chunk,
    ch,
    fwd,
    block: blockFor(fwd) as number,
    bwd,
    rows: s.B * s.T,
    nChunks: Math.ceil(s.T / chunk),
  };
}

/**
 * Each kernel's workgroup: threads and workgroup memory (bytes), and the forward's staged steps.
 * The memory decides how many workgroups share a multiprocessor (two backward workgroups of 22
 * KiB share an H200's, where one of 30 KiB ran alone: runs X2-X3).
 */
export function selectiveScanGeometry(shape: SelectiveScanShape) {
  const s = resolved(shape);
  return {
    channelsPerThread: s.ch,
    forward: { threads: s.fwd.wg, bytes: forwardBytes(s.fwd, s.block), block: s.block },
    backward: { threads: s.bwd.wg, bytes: backwardBytes(s.bwd) },
  };
}

/**
 * The exp2 evaluations of each kernel (one per decay exp(Δ·A)): the forward one per (t, c, n); the
 * backward one for the adjoint and one for each recomputed state, a chunk's second piece being
 * reached by a walk through its first (chunks of 16: 2.5 per (t, c, n)). Both count the zero-padded
 * steps they run too: the forward's last block, the backward's pieces. exp runs on GPUs' slower
 * special-function unit: bench:kernels sets these against its measured exp2 rate.
 */
export function selectiveScanExpCount(shape: SelectiveScanShape): {
  forward: number;
  backward: number;
} {
  const s = resolved(shape);
  // Every forward block runs its s.block steps; every piece's recompute and adjoint, and every
  // walk, PIECE.
  let pieces = 0;
  let walked = 0;
  for (let t0 = 0; t0 < s.T; t0 += s.chunk) {
    const len = Math.min(s.chunk, s.T - t0);
    pieces += Math.ceil(len / PIECE);
    if (len > PIECE) walked += PIECE;
  }
  const perStep = s.B * s.D * s.N;
  return {
    forward: perStep * s.block * Math.ceil(s.T / s.block),
    backward: perStep * (2 * PIECE * pieces + walked),
  };
}

/**
 * Bytes of every buffer the op allocates: `states` (per layer: written by the forward, read by the
 * backward; slot 0 is the final state) and the backward's `scratch` (partial sums; one buffer can
 * serve every layer, since backward passes run one after another).
 */
export function selectiveScanBufferBytes(shape: SelectiveScanShape): {
  states: number;
  scratch: number;
} {
  const s = resolved(shape);
  const state = s.B * s.D * s.N;
  return {
    states: 4 * s.nChunks * state,
    scratch: 4 * (2 * s.bwd.groupsD * s.rows * s.N + state + s.B * s.D),
  };
}

/** The (nChunks, B, D, N) buffer of chunk-boundary states that the forward writes. */
export function createSelectiveScanStates(
  rt: GpuRuntime,
  shape: SelectiveScanShape,
  label = 'selectiveScan.states',
): GPUBuffer {
  return rt.buffer(label, selectiveScanBufferBytes(shape).states);
}

/** The backward's partial-sum buffer. */
export function createSelectiveScanScratch(
  rt: GpuRuntime,
  shape: SelectiveScanShape,
  label = 'selectiveScan.scratch',
): GPUBuffer {
  return rt.buffer(label, selectiveScanBufferBytes(shape).scratch);
}

/** The final state h_{T-1} (B, D, N) inside `states`: the decode step's h after a prefill. */
export function finalStateView(states: GPUBuffer, shape: SelectiveScanShape): GPUBufferBinding {
  return { buffer: states, offset: 0, size: 4 * shape.B * shape.D * shape.N };
}

/**
 * The inputs both kernels read. Pairs lie in one buffer, the second after the first, so that each
 * pair is one binding (spanOf): A_log then Dskip (as the parameter layout has them) and Bt then Ct
 * (the x_proj group, buffers.ts); scanInputBuffers lays out test inputs the same way.
 */
export interface SelectiveScanInputBuffers {
  /** (rows, D) */
  u: Binding;
  /** (rows, D), already softplus'ed */
  delta: Binding;
  /** (D, N) */
  ALog: Binding;
  /** (D), after ALog */
  Dskip: Binding;
  /** (rows, N) */
  Bt: Binding;
  /** (rows, N), after Bt at a multiple of 16 bytes */
  Ct: Binding;
}

export interface SelectiveScanForwardBuffers extends SelectiveScanInputBuffers {
  /** (rows, D), overwritten */
  y: Binding;
  /** From createSelectiveScanStates, overwritten */
  states: Binding;
}

/** The input pairs' bindings, and where each pair's second tensor starts in it (Ct in vec4s). */
function inputSpans(kernel: string, io: SelectiveScanInputBuffers) {
  const ssm = spanOf(kernel, io.ALog, io.Dskip);
  const bc = spanOf(kernel, io.Bt, io.Ct, 4);
  return { buffers: [io.u, io.delta, ssm.binding, bc.binding], ctAt: bc.at, dskipAt: ssm.at };
}

export function selectiveScanForward(
  rt: GpuRuntime,
  io: SelectiveScanForwardBuffers,
  shape: SelectiveScanShape,
  label = 'selectiveScan.forward',
): Promise<Launch> {
  const s = resolved(shape);
  checkWorkgroup(rt, label, s.fwd.wg, forwardBytes(s.fwd, s.block), SCAN_REMEDY);
  const inputs = inputSpans(label, io);
  return rt.launch({
    shader: 'selective_scan_forward',
    label,
    constants: { WG: s.fwd.wg, G: s.fwd.lanes, CH: s.ch, PF: s.block, D: s.D },
    params: [u32(s.B), u32(s.T), u32(s.chunk), u32(inputs.ctAt), u32(inputs.dskipAt)],
    buffers: [...inputs.buffers, io.y, io.states],
    workgroups: [s.fwd.groupsD, s.B],
  });
}

/**
 * The backward's buffers. Its output pairs are one binding each too, the second after the first:
 * du then dDelta, dBt then dCt, dALog then dDskip (scanGradientBuffers lays them out so).
 */
export interface SelectiveScanBackwardBuffers extends SelectiveScanInputBuffers {
  /** States the forward wrote for these same inputs. */
  states: Binding;
  /** dL/dy (rows, D) */
  dy: Binding;
  /** Overwritten: du, dDelta (rows, D); dBt, dCt (rows, N). */
  du: Binding;
  dDelta: Binding;
  dBt: Binding;
  dCt: Binding;
  /** Accumulated (+=): dALog (D, N), dDskip (D). */
  dALog: Binding;
  dDskip: Binding;
  /** Partial sums; allocated here when not given (createSelectiveScanScratch to share one). */
  scratch?: Binding;
}

/** The reverse scan, then the pass that finishes its partial sums: run in this order. */
export async function selectiveScanBackward(
  rt: GpuRuntime,
  io: SelectiveScanBackwardBuffers,
  shape: SelectiveScanShape,
  label = 'selectiveScan.backward',
): Promise<Launch[]> {
  const s = resolved(shape);
  checkWorkgroup(rt, label, s.bwd.wg, backwardBytes(s.bwd), SCAN_REMEDY);
  const scratch = io.scratch ?? createSelectiveScanScratch(rt, shape, `${label}.scratch`);
  const { groupsD } = s.bwd;
  const inputs = inputSpans(label, io);
  const dud = spanOf(label, io.du, io.dDelta);
  const dbc = spanOf(label, io.dBt, io.dCt);
  const dssm = spanOf(label, io.dALog, io.dDskip);
  return Promise.all([
    rt.launch({
      shader: 'selective_scan_backward',
      label: `${label}.scan`,
      constants: { WG: s.bwd.wg, G: s.bwd.lanes, CH: s.ch, D: s.D },
      params: [s.B, s.T, s.chunk, groupsD, inputs.ctAt, inputs.dskipAt, dud.at].map(u32),
      buffers: [...inputs.buffers, io.dy, io.states, scratch, dud.binding],
      workgroups: [groupsD, s.B],
    }),
    rt.launch({
      shader: 'selective_scan_backward_reduce',
      label: `${label}.reduce`,
      params: [s.B, s.T, s.D, s.N, groupsD, dssm.at, dbc.at].map(u32),
      buffers: [scratch, io.ALog, dssm.binding, dbc.binding],
      workgroups: grid1d(Math.ceil((s.rows * s.N + s.D * s.N + s.D) / REDUCE_WG)),
    }),
  ]);
}

// ---- CPU reference (float64): the executable form of the spec ----

export interface SelectiveScanInputs {
  u: ArrayLike<number>;
  delta: ArrayLike<number>;
  ALog: ArrayLike<number>;
  Bt: ArrayLike<number>;
  Ct: ArrayLike<number>;
  Dskip: ArrayLike<number>;
}

export interface SelectiveScanGradients {
  du: Float64Array;
  dDelta: Float64Array;
  dALog: Float64Array;
  dBt: Float64Array;
  dCt: Float64Array;
  dDskip: Float64Array;
}

/**
 * Random inputs like the model's, for checks against the references: Δ positive (softplus'ed),
 * A_log near its init log(n + 1), Dskip near 1.
 */
export function randomScanInputs(
  s: { B: number; T: number; D: number; N: number },
  seed: number,
): { [K in keyof SelectiveScanInputs]: Float32Array } {
  const rng = new Rng(seed);
  const rows = s.B * s.T;
  const ALog = new Float32Array(s.D * s.N);
  for (let i = 0; i < ALog.length; i++) ALog[i] = Math.log((i % s.N) + 1) + rng.uniform(-0.3, 0.3);
  return {
    u: rng.fillUniform(new Float32Array(rows * s.D), -1, 1),
    delta: rng.fillUniform(new Float32Array(rows * s.D), 0.01, 0.5),
    ALog,
    Bt: rng.fillUniform(new Float32Array(rows * s.N), -1, 1),
    Ct: rng.fillUniform(new Float32Array(rows * s.N), -1, 1),
    Dskip: rng.fillUniform(new Float32Array(s.D), 0.5, 1.5),
  };
}

/**
 * Two tensors in one buffer, as the kernels' paired bindings want them: `second` from the first
 * 256-byte boundary (a binding offset every device accepts) after `first`. Each is its data or a
 * length (zeros).
 */
export function pairedBuffers(
  rt: GpuRuntime,
  label: string,
  first: Float32Array | number,
  second: Float32Array | number,
): [GPUBufferBinding, GPUBufferBinding] {
  const length = (x: Float32Array | number) => (typeof x === 'number' ? x : x.length);
  const at = alignToBinding(length(first));
  const data = new Float32Array(at + length(second));
  if (typeof first !== 'number') data.set(first);
  if (typeof second !== 'number') data.set(second, at);
  const buffer = rt.bufferFrom(label, data);
  return [
    { buffer, offset: 0, size: 4 * length(first) },
    { buffer, offset: 4 * at, size: 4 * length(second) },
  ];
}

/** GPU buffers of a scan's inputs as randomScanInputs makes them, labelled `${prefix}.name`. */
export function scanInputBuffers(
  rt: GpuRuntime,
  x: { [K in keyof SelectiveScanInputs]: Float32Array },
  prefix = 'scan',
): SelectiveScanInputBuffers {
  const [ALog, Dskip] = pairedBuffers(rt, `${prefix}.ALog+Dskip`, x.ALog, x.Dskip);
  const [Bt, Ct] = pairedBuffers(rt, `${prefix}.Bt+Ct`, x.Bt, x.Ct);
  return {
    u: rt.bufferFrom(`${prefix}.u`, x.u),
    delta: rt.bufferFrom(`${prefix}.delta`, x.delta),
    ALog,
    Dskip,
    Bt,
    Ct,
  };
}

/**
 * GPU buffers of a backward's outputs, paired as it binds them: zeros, except the accumulated
 * dALog and dDskip where `start` gives them.
 */
export function scanGradientBuffers(
  rt: GpuRuntime,
  s: { B: number; T: number; D: number; N: number },
  prefix = 'scan',
  start: { dALog?: Float32Array; dDskip?: Float32Array } = {},
) {
  const rows = s.B * s.T;
  const [du, dDelta] = pairedBuffers(rt, `${prefix}.du+dDelta`, rows * s.D, rows * s.D);
  const [dBt, dCt] = pairedBuffers(rt, `${prefix}.dBt+dCt`, rows * s.N, rows * s.N);
  const [dALog, dDskip] = pairedBuffers(
    rt,
    `${prefix}.dALog+dDskip`,
    start.dALog ?? s.D * s.N,
    start.dDskip ?? s.D,
  );
  return { du, dDelta, dBt, dCt, dALog, dDskip };
}

/**
 * y (rows, D) and every state h (B, T, D, N), from the initial state h0 (B, D, N; zero by
 * default; the decode step is this with T = 1).
 */
export function selectiveScanReference(
  x: SelectiveScanInputs,
  shape: { B: number; T: number; D: number; N: number },
  h0?: ArrayLike<number>,
): { y: Float64Array; h: Float64Array } {
  const { B, T, D, N } = shape;
  const y = new Float64Array(B * T * D);
  const h = new Float64Array(B * T * D * N);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < D; c++) {
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        const dt = x.delta[row * D + c];
        const ut = x.u[row * D + c];
        let acc = x.Dskip[c] * ut;
        for (let n = 0; n < N; n++) {
          const A = -Math.exp(x.ALog[c * N + n]);
          const prev =
            t === 0 ? (h0 ? h0[(b * D + c) * N + n] : 0) : h[((row - 1) * D + c) * N + n];
          const hn = Math.exp(dt * A) * prev + dt * x.Bt[row * N + n] * ut;
          h[(row * D + c) * N + n] = hn;
          acc += x.Ct[row * N + n] * hn;
        }
        y[row * D + c] = acc;
      }
    }
  }
  return { y, h };
}

/** Gradients of L = Σ dy⊙y with respect to every input (from zero, not accumulated). */
export function selectiveScanBackwardReference(
  x: SelectiveScanInputs,
  dy: ArrayLike<number>,
  shape: { B: number; T: number; D: number; N: number },
): SelectiveScanGradients {
  const { B, T, D, N } = shape;
  const { h } = selectiveScanReference(x, shape);
  const g = {
    du: new Float64Array(B * T * D),
    dDelta: new Float64Array(B * T * D),
    dALog: new Float64Array(D * N),
    dBt: new Float64Array(B * T * N),
    dCt: new Float64Array(B * T * N),
    dDskip: new Float64Array(D),
  };
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < D; c++) {
      for (let n = 0; n < N; n++) {
        const A = -Math.exp(x.ALog[c * N + n]);
        let adj = 0; // dL/dh_t, carried backwards: adj_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·adj_{t+1}
        let dA = 0;
        for (let t = T - 1; t >= 0; t--) {
          const row = b * T + t;
          const dt = x.delta[row * D + c];
          const ut = x.u[row * D + c];
          const dyt = dy[row * D + c];
          const bt = x.Bt[row * N + n];
          const a = Math.exp(dt * A);
          const prev = t === 0 ? 0 : h[((row - 1) * D + c) * N + n];
          adj += dyt * x.Ct[row * N + n];
          g.dCt[row * N + n] += dyt * h[(row * D + c) * N + n];
          g.dBt[row * N + n] += adj * dt * ut;
          g.du[row * D + c] += adj * dt * bt;
          g.dDelta[row * D + c] += adj * (A * a * prev + bt * ut);
          dA += adj * dt * a * prev;
          adj *= a;
        }
        g.dALog[c * N + n] += dA * A; // dA/dA_log = A
      }
      for (let t = 0; t < T; t++) {
        const i = (b * T + t) * D + c;
        g.du[i] += x.Dskip[c] * dy[i];
        g.dDskip[c] += dy[i] * x.u[i];
      }
    }
  }
  return g;
}
