// Included (//!include selective_scan_forward_lane) by both selective-scan forward kernels: the
// bindings, and one lane's walk through the steps. h_t = exp(Δ_t·A)·h_{t-1} + Δ_t·Bt_t·u_t stays on
// chip: G lanes (threads) share a channel, lane j keeping Q vec4s of contiguous states
// (n = 4·(j·Q + q) + i), so Bt and Ct load as vec4s; a workgroup of WG threads covers WG/G channels
// of one sequence. `states` is (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill
// hands to the decode step), slot k ≥ 1 the state entering chunk k (what the backward restarts
// from). N % 4 == 0.

override WG: u32 = 64u;
override G: u32 = 1u;
override Q: u32 = 1u;

const MAX_Q = 4u; // Q ≤ MAX_Q; the launch builder checks it
const LOG2E = 1.4426950408889634;

struct Params { B: u32, T: u32, D: u32, N: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> delta: array<f32>;
@group(0) @binding(3) var<storage, read> ALog: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> Bt: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> Ct: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> Dskip: array<f32>;
@group(0) @binding(7) var<storage, read_write> y: array<f32>;
@group(0) @binding(8) var<storage, read_write> states: array<vec4<f32>>;

struct Lane {
  b: u32,
  c: u32,
  lane: u32,
  cw: u32, // channel within the workgroup
  live: bool,
  k0: u32, // first vec4 of states
  n4: u32,
  rowBase: u32,
}

var<private> ln: Lane;
// A·log2(e), so that exp(Δ·A) is one exp2. Slots past N keep A = 0 and B = 0, so h stays 0.
var<private> A2: array<vec4<f32>, MAX_Q>;
var<private> h: array<vec4<f32>, MAX_Q>;
var<private> skip: f32; // Dskip on lane 0 of a channel, which adds the Dskip·u term to its part
var<private> nextSave: u32; // the step count after which the next chunk-boundary state is kept
// Step t's inputs, loaded one step ahead so that their latency overlaps the previous step.
var<private> dtNext: f32;
var<private> uNext: f32;
var<private> bNext: array<vec4<f32>, MAX_Q>;
var<private> cNext: array<vec4<f32>, MAX_Q>;

fn loadStep(t: u32) {
  let row = ln.rowBase + t;
  dtNext = delta[row * p.D + ln.c];
  uNext = u[row * p.D + ln.c];
  for (var q = 0u; q < Q; q++) {
    if (ln.k0 + q < ln.n4) {
      bNext[q] = Bt[row * ln.n4 + ln.k0 + q];
      cNext[q] = Ct[row * ln.n4 + ln.k0 + q];
    }
  }
}

fn laneStart(wg: vec3<u32>, lid: u32) {
  let cpw = WG / G;
  ln.cw = lid / G;
  ln.lane = lid % G;
  ln.b = wg.y;
  ln.c = wg.x * cpw + ln.cw;
  ln.live = ln.cw < cpw && ln.c < p.D;
  ln.n4 = p.N / 4u;
  ln.k0 = ln.lane * Q;
  ln.rowBase = ln.b * p.T;
  nextSave = p.chunk;
  if (ln.live) {
    for (var q = 0u; q < Q; q++) {
      if (ln.k0 + q < ln.n4) { A2[q] = -exp(ALog[ln.c * ln.n4 + ln.k0 + q]) * LOG2E; }
    }
    if (ln.lane == 0u) { skip = Dskip[ln.c]; }
    loadStep(0u);
  }
}

fn storeState(slot: u32) {
  let base = ((slot * p.B + ln.b) * p.D + ln.c) * ln.n4 + ln.k0;
  for (var q = 0u; q < Q; q++) {
    if (ln.k0 + q < ln.n4) { states[base + q] = h[q]; }
  }
}

/** Advances this lane's states through step t; returns its part of y_t. */
fn laneStep(t: u32) -> f32 {
  if (!ln.live) { return 0.0; }
  let dt = dtNext;
  let ut = uNext;
  let bt = bNext;
  let ct = cNext;
  if (t + 1u < p.T) { loadStep(t + 1u); }
  let x = dt * ut;
  var part = skip * ut;
  for (var q = 0u; q < Q; q++) {
    h[q] = exp2(dt * A2[q]) * h[q] + x * bt[q];
    part += dot(ct[q], h[q]);
  }
  if (t + 1u == nextSave) {
    if (t + 1u < p.T) { storeState((t + 1u) / p.chunk); }
    nextSave += p.chunk;
  }
  return part;
}

fn laneEnd() {
  if (ln.live) { storeState(0u); }
}
