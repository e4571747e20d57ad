// Included (//!include selective_scan_lane) by both selective-scan kernels, which declare the
// overrides WG (threads per workgroup) and G (lanes, i.e. threads, per channel group), Params with
// B, T, ctAt and dskipAt (binding 0) and `states`: the inputs both read (bindings 1-4), the shape's
// constants, where a thread sits, its channels' decay rates, the step of their states, and where
// their chunk-boundary states lie.
// A thread holds CH (1..4) channels × 4 states: lane j of channel group w keeps states n =
// 4j..4j+3 of channels CH·w..CH·w+CH−1. A step's sums over the thread's channels (dBt, dCt) and
// over its states (y, du, dΔ) so start in registers, and only one value per (thread, state or
// channel) crosses threads. Workgroup (x, y) covers channel groups x·WG/G.. of sequence y.
// Channels past D read their inputs as 0: their states stay 0 and add nothing to any sum.
// Per-channel values sit in vec4s and arrays of MAX_CH; the loops over i < CH unroll once the
// pipeline fixes CH.

// (rows, D) u and Δ; the layer's A_log (D, N) with its Dskip (D) from float p.dskipAt; Bt (rows,
// N) with Ct from vec4 p.ctAt. Each pair is one binding, as the parameters and the x_proj group
// (buffers.ts) lay them out: WebGPU grants 8 storage buffers a kernel, and the backward needs 8
// with its outputs.
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> delta: array<f32>;
@group(0) @binding(3) var<storage, read> ssm: array<f32>;
@group(0) @binding(4) var<storage, read> bc: array<vec4<f32>>;

override CH: u32 = 4u;
const MAX_CH = 4u;
const LOG2E = 1.4426950408889634;

// The channel count D is a constant of the pipeline, and so is N (4 states per lane), not a
// uniform: every address and bound that multiplies or compares by them folds (run AA5: forward
// 0.0895 → 0.0818 ms, backward 0.318 → 0.286 at i3-22m, B 16). Where D is a multiple of the
// workgroup's channels, no thread tests its channel against D.
override D: u32;
override N: u32 = 4u * G;
override CPW: u32 = WG / G; // channel groups per workgroup
override CC: u32 = CPW * CH; // channels per workgroup
override WHOLE_D: bool = D % CC == 0u;

/** Whether channel c is below D. */
fn inD(c: u32) -> bool {
  return WHOLE_D || c < D;
}

struct Lane {
  b: u32,
  c0: u32, // the first of this thread's CH channels
  lane: u32,
  cw: u32, // channel group within the workgroup
  live: bool, // a group below D (threads past WG/G·G and groups past D idle)
  rowBase: u32, // row of this sequence's step 0 in (B·T) order
}

var<private> ln: Lane;

fn placeLane(wg: vec3<u32>, lid: u32) {
  ln.cw = lid / G;
  ln.lane = lid % G;
  ln.b = wg.y;
  ln.c0 = (wg.x * CPW + ln.cw) * CH;
  ln.live = ln.cw < CPW && inD(ln.c0);
  ln.rowBase = ln.b * p.T;
}

/** The thread's CH channels (of 4 slots), clamped below D: where its per-channel parameters sit. */
fn channelIndices() -> vec4<u32> {
  return min(ln.c0 + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(D - 1u));
}

// Per channel i of the thread: A·log2(e), so that exp(Δ·A) is one exp2 (A·x = A2·x / log2(e)).
var<private> A2: array<vec4<f32>, MAX_CH>;

/** exp(Δ·A) of channel i of the thread's 4 states, for its step size dt. */
fn decay(i: u32, dt: f32) -> vec4<f32> {
  return exp2(dt * A2[i]);
}

/** Channel i's 4 states h through a step: exp(Δ·A)·h + Δu·Bt, with xu = Δ·u and b = Bt. */
fn stepState(i: u32, h: vec4<f32>, dt: f32, xu: f32, b: vec4<f32>) -> vec4<f32> {
  return decay(i, dt) * h + xu * b;
}

/** Places the thread (placeLane) and reads its channels' decay rates into A2. */
fn laneStart(wg: vec3<u32>, lid: u32) {
  placeLane(wg, lid);
  let k = channelIndices();
  for (var i = 0u; i < CH; i++) {
    let at = k[i] * N + 4u * ln.lane;
    A2[i] = -exp(vec4<f32>(ssm[at], ssm[at + 1u], ssm[at + 2u], ssm[at + 3u])) * LOG2E;
  }
}

/** Dskip of channel c. */
fn dskipOf(c: u32) -> f32 {
  return ssm[p.dskipAt + c];
}

/** Bt (a = 0) or Ct (a = 1) of states 4j..4j+3 at row `row`. */
fn stateInput(a: u32, row: u32, j: u32) -> vec4<f32> {
  return bc[select(0u, p.ctAt, a == 1u) + row * G + j];
}

/**
 * Where channel i of the thread keeps its 4 states in slot `slot` of `states`, (nChunks, B, D, N)
 * as vec4s: slot 0 the final state, slot k ≥ 1 the state entering chunk k.
 */
fn stateIndex(slot: u32, i: u32) -> u32 {
  return ((slot * p.B + ln.b) * D + ln.c0 + i) * G + ln.lane;
}
