// The selective scan of the i3 SSM (spec: "Selective-scan SSM"), per sequence b, channel c, state n:
//   A = -exp(A_log);  h_t = exp(Δ_t·A)·h_{t-1} + Δ_t·Bt_t·u_t (h_{-1} = 0);  y_t = Ct_t·h_t + Dskip·u_t
// Forward and backward (the reverse scan, then the passes finishing its partial sums) launches,
// with float64 CPU references; the one-token decode step is in ssmStep.ts.
// The full state history (B·T·D·N floats) is never stored: the forward keeps h on chip and writes
// one state per chunk boundary; the backward recomputes each chunk's states from there.
import { type Binding, type GpuRuntime, grid1d, type Launch, u32 } from '../gpu/runtime';

export interface SelectiveScanShape {
  B: number;
  T: number;
  D: number;
  /** States per channel; a multiple of 4 (the kernels hold states in vec4s). */
  N: number;
  /** Steps per chunk: the forward keeps one state per chunk boundary (1..16; default 16). */
  chunk?: number;
  /** Threads per workgroup of both scan kernels (default 128). */
  workgroupSize?: number;
  /** Channels each thread holds 4 states of, 1..4 (default 4). */
  channelsPerThread?: number;
}

const MAX_CHUNK = 16; // MAX_CHUNK of selective_scan_backward.wgsl
const MAX_CHANNELS_PER_THREAD = 4; // MAX_CH of selective_scan_lane.wgsl
const FORWARD_BLOCK = 4; // PF of selective_scan_forward.wgsl
const REDUCE_WG = 256; // workgroup size of selective_scan_backward_reduce.wgsl
const VEC4_BYTES = 16;

/**
 * Lanes (threads) per channel group, channel groups per workgroup and workgroups along D: a thread
 * holds 4 states of `ch` channels.
 */
function laneGrid(s: SelectiveScanShape, wg: number, ch: number) {
  const lanes = s.N / 4;
  if (lanes > wg) throw new Error(`selective scan: N ${s.N} needs more than ${wg} lanes`);
  const groupsPerWorkgroup = Math.floor(wg / lanes);
  return { lanes, groupsPerWorkgroup, groupsD: Math.ceil(s.D / (groupsPerWorkgroup * ch)) };
}

function resolved(s: SelectiveScanShape) {
  const chunk = s.chunk ?? 16;
  if (!(Number.isInteger(chunk) && chunk >= 1 && chunk <= MAX_CHUNK)) {
    throw new Error(`selective scan: chunk ${chunk} must be an integer in 1..${MAX_CHUNK}`);
  }
  if (s.N % 4 !== 0) throw new Error(`selective scan: N ${s.N} must be a multiple of 4`);
  const wg = s.workgroupSize ?? 128;
  const ch = s.channelsPerThread ?? MAX_CHANNELS_PER_THREAD;
  if (!(Number.isInteger(ch) && ch >= 1 && ch <= MAX_CHANNELS_PER_THREAD)) {
    throw new Error(`selective scan: channelsPerThread ${ch} must be 1..${MAX_CHANNELS_PER_THREAD}`);
  }
  return {
    ...s,
    chunk,
    wg,
    ch,
    grid: laneGrid(s, wg, ch),
    rows: s.B * s.T,
    nChunks: Math.ceil(s.T / chunk),
    // Workgroup memory: the forward's parts of y, a vec4 per thread and step of a block, in two
    // buffers; the backward's four vec4s per thread (dBt, dCt, du, dΔ parts), in two buffers.
    forwardBytes: 2 * FORWARD_BLOCK * wg * VEC4_BYTES,
    backwardBytes: 4 * 2 * wg * VEC4_BYTES,
  };
}

/** Refuses a geometry whose workgroup memory the device does not grant. */
function checkWorkgroupBytes(rt: GpuRuntime, bytes: number, what: string) {
  const max = rt.info.limits.maxComputeWorkgroupStorageSize ?? 16384;
  if (bytes > max) {
    throw new Error(
      `selective scan: the ${what} needs ${bytes} bytes of workgroup memory, over this device's ` +
        `${max}; use a smaller workgroupSize`,
    );
  }
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
    scratch: 4 * (2 * s.rows * s.D + 2 * s.grid.groupsD * s.rows * s.N + state + s.B * s.D),
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

export interface SelectiveScanForwardBuffers {
  /** (rows, D) */
  u: Binding;
  /** (rows, D), already softplus'ed */
  delta: Binding;
  /** (D, N) */
  ALog: Binding;
  /** (rows, N) */
  Bt: Binding;
  /** (rows, N) */
  Ct: Binding;
  /** (D) */
  Dskip: Binding;
  /** (rows, D), overwritten */
  y: Binding;
  /** From createSelectiveScanStates, overwritten */
  states: Binding;
}

export function selectiveScanForward(
  rt: GpuRuntime,
  io: SelectiveScanForwardBuffers,
  shape: SelectiveScanShape,
  label = 'selectiveScan.forward',
): Promise<Launch> {
  const s = resolved(shape);
  checkWorkgroupBytes(rt, s.forwardBytes, 'forward');
  return rt.launch({
    shader: 'selective_scan_forward',
    label,
    constants: { WG: s.wg, G: s.grid.lanes, CH: s.ch },
    params: [u32(s.B), u32(s.T), u32(s.D), u32(s.N), u32(s.chunk)],
    buffers: [io.u, io.delta, io.ALog, io.Bt, io.Ct, io.Dskip, io.y, io.states],
    workgroups: [s.grid.groupsD, s.B],
  });
}

export interface SelectiveScanBackwardBuffers {
  u: Binding;
  delta: Binding;
  ALog: Binding;
  Bt: Binding;
  Ct: Binding;
  Dskip: Binding;
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

/** The reverse scan, then the passes that finish its partial sums: run in this order. */
export async function selectiveScanBackward(
  rt: GpuRuntime,
  io: SelectiveScanBackwardBuffers,
  shape: SelectiveScanShape,
  label = 'selectiveScan.backward',
): Promise<Launch[]> {
  const s = resolved(shape);
  checkWorkgroupBytes(rt, s.backwardBytes, 'backward');
  const scratch = io.scratch ?? createSelectiveScanScratch(rt, shape, `${label}.scratch`);
  const { groupsD } = s.grid;
  const reduceParams = [u32(s.B), u32(s.T), u32(s.D), u32(s.N), u32(groupsD)];
  const reduce = (entry: string, threads: number, buffers: Binding[]) =>
    rt.launch({
      shader: 'selective_scan_backward_reduce',
      entry,
      label: `${label}.${entry}`,
      params: reduceParams,
      buffers: [scratch, ...buffers],
      workgroups: grid1d(Math.ceil(threads / REDUCE_WG)),
    });
  return Promise.all([
    rt.launch({
      shader: 'selective_scan_backward',
      label: `${label}.scan`,
      constants: { WG: s.wg, G: s.grid.lanes, CH: s.ch },
      params: [u32(s.B), u32(s.T), u32(s.D), u32(s.N), u32(s.chunk), u32(groupsD)],
      buffers: [io.u, io.delta, io.ALog, io.Bt, io.Ct, io.dy, io.states, scratch],
      workgroups: [groupsD, s.B],
    }),
    reduce('finish', s.rows * s.D + s.D * s.N + s.D, [
      ...[io.Dskip, io.dy, io.du, io.dDelta],
      ...[io.ALog, io.dALog, io.dDskip],
    ]),
    reduce('reduce_bc', s.rows * s.N, [io.dBt, io.dCt]),
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
