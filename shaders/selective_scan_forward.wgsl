// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The state never leaves the chip except at chunk boundaries: G lanes (threads) share a channel,
// lane j keeping Q vec4s of contiguous states (n = 4·(j·Q + q) + i), so Bt and Ct load as vec4s,
// and each lane walks all T steps. A workgroup of WG threads covers WG/G channels of one sequence.
// Each lane's part of y_t goes to workgroup memory; every RB steps one barrier lets the workgroup
// sum the lanes and write y for those steps, the parts double-buffered so that the next block's
// writes need no second barrier. `states` is (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill hands
// to the decode step), slot k ≥ 1 the state entering chunk k (what the backward restarts from).
// N % 4 == 0.

override WG: u32 = 64u;
override G: u32 = 1u;
override RB: u32 = 16u;
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

//!include selective_scan_lane

var<private> k0: u32; // this lane's first vec4 of states: lane·Q
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
    if (k0 + q < ln.n4) {
      bNext[q] = Bt[row * ln.n4 + k0 + q];
      cNext[q] = Ct[row * ln.n4 + k0 + q];
    }
  }
}

fn laneStart(wg: vec3<u32>, lid: u32) {
  placeLane(wg, lid);
  k0 = ln.lane * Q;
  nextSave = p.chunk;
  if (ln.live) {
    for (var q = 0u; q < Q; q++) {
      if (k0 + q < ln.n4) { A2[q] = -exp(ALog[ln.c * ln.n4 + k0 + q]) * LOG2E; }
    }
    if (ln.lane == 0u) { skip = Dskip[ln.c]; }
    loadStep(0u);
  }
}

fn storeState(slot: u32) {
  let base = ((slot * p.B + ln.b) * p.D + ln.c) * ln.n4 + k0;
  for (var q = 0u; q < Q; q++) {
    if (k0 + q < ln.n4) { states[base + q] = h[q]; }
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

// Lane j of channel ch at step s of buffer k: (k·RB + s)·(WG/G)·(G+1) + ch·(G+1) + j. The odd
// stride G+1 keeps both the writes (consecutive lanes) and the sums (consecutive channels) free of
// bank conflicts.
var<workgroup> ypart: array<f32, 2u * RB * (WG / G) * (G + 1u)>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let cpw = WG / G;
  let stepFloats = cpw * (G + 1u);
  var buf = 0u;
  for (var t0 = 0u; t0 < p.T; t0 += RB) {
    let t1 = min(t0 + RB, p.T);
    for (var t = t0; t < t1; t++) {
      let part = laneStep(t);
      // Threads past the last whole channel (WG % G) have no slot.
      if (ln.cw < cpw) { ypart[(buf * RB + t - t0) * stepFloats + ln.cw * (G + 1u) + ln.lane] = part; }
    }
    workgroupBarrier();
    // Output o = (step s, channel ch): neighbouring threads write neighbouring channels.
    for (var o = lid; o < (t1 - t0) * cpw; o += WG) {
      let s = o / cpw;
      let ch = o % cpw;
      let cc = wg.x * cpw + ch;
      if (cc < p.D) {
        let at = (buf * RB + s) * stepFloats + ch * (G + 1u);
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[at + j]; }
        y[(ln.rowBase + t0 + s) * p.D + cc] = acc;
      }
    }
    buf = 1u - buf;
  }
  laneEnd();
}
