// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The state never leaves the chip except at chunk boundaries. Each thread keeps 4 states of CH
// channels (selective_scan_lane) and walks all T steps, loading each step's inputs PF steps ahead
// into a ring of registers: with few threads per multiprocessor, one step of work does not cover a
// load's latency. Its channels' parts of y_t (a vec4) go to workgroup memory, and every PF steps
// one barrier lets the workgroup sum the G lanes of each channel and write y for those steps, the
// parts double-buffered so that the next block's writes need no second barrier. `states` is
// (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill hands to the decode step),
// slot k ≥ 1 the state entering chunk k (what the backward restarts from). N % 4 == 0.

override WG: u32 = 64u;
override G: u32 = 1u;

const PF = 4u;

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

// Per channel i of the thread: A·log2(e), so that exp(Δ·A) is one exp2, and the states.
var<private> A2: array<vec4<f32>, MAX_CH>;
var<private> h: array<vec4<f32>, MAX_CH>;
var<private> skip: vec4<f32>; // Dskip on lane 0 of a group, which adds the Dskip·u terms to its parts
var<private> nextSave: u32; // the step count after which the next chunk-boundary state is kept

/** One step's inputs: Δ and u of the thread's channels, its 4 states' Bt and Ct. */
struct StepIn { dt: vec4<f32>, u: vec4<f32>, b: vec4<f32>, c: vec4<f32> }

// Steps t0+q's inputs at slot q, loaded at step t0+q−PF (clamped into the arrays past T).
var<private> ring: array<StepIn, PF>;

fn loadStep(t: u32) -> StepIn {
  let row = ln.rowBase + min(t, p.T - 1u);
  let k = channelIndex(row);
  return StepIn(
    vec4<f32>(delta[k.x], delta[k.y], delta[k.z], delta[k.w]),
    vec4<f32>(u[k.x], u[k.y], u[k.z], u[k.w]) * ln.mask,
    Bt[row * ln.n4 + ln.lane],
    Ct[row * ln.n4 + ln.lane],
  );
}

fn laneStart(wg: vec3<u32>, lid: u32) {
  placeLane(wg, lid);
  nextSave = p.chunk;
  let k = channelIndex(0u);
  for (var i = 0u; i < CH; i++) {
    A2[i] = -exp(ALog[k[i] * ln.n4 + ln.lane]) * LOG2E;
  }
  if (ln.lane == 0u) { skip = vec4<f32>(Dskip[k.x], Dskip[k.y], Dskip[k.z], Dskip[k.w]); }
  for (var q = 0u; q < PF; q++) { ring[q] = loadStep(q); }
}

fn storeState(slot: u32) {
  let base = (slot * p.B + ln.b) * p.D;
  for (var i = 0u; i < CH; i++) {
    if (ln.c0 + i < p.D) { states[(base + ln.c0 + i) * ln.n4 + ln.lane] = h[i]; }
  }
}

/** Advances this thread's states through step t (inputs x); returns its parts of y_t. */
fn laneStep(t: u32, x: StepIn) -> vec4<f32> {
  if (!ln.live) { return vec4<f32>(0.0); }
  let xu = x.dt * x.u;
  var part = skip * x.u;
  for (var i = 0u; i < CH; i++) {
    h[i] = exp2(x.dt[i] * A2[i]) * h[i] + xu[i] * x.b;
    part[i] += dot(x.c, h[i]);
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

// Thread lid's parts at step q of buffer k: (k·PF + q)·WG + lid.
var<workgroup> ypart: array<vec4<f32>, 2u * PF * WG>;

override CPW: u32 = WG / G; // channel groups per workgroup (derived; not set by the launch)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  var buf = 0u;
  for (var t0 = 0u; t0 < p.T; t0 += PF) {
    for (var q = 0u; q < PF; q++) {
      let x = ring[q];
      ring[q] = loadStep(t0 + q + PF);
      var part = vec4<f32>(0.0);
      if (t0 + q < p.T) { part = laneStep(t0 + q, x); }
      ypart[(buf * PF + q) * WG + lid] = part;
    }
    workgroupBarrier();
    // Output o = (step s, channel group w, channel i): neighbouring threads write neighbouring
    // channels. Group w starts its walk over the lanes at lane w (mod G), so that the groups of
    // one subgroup read different banks.
    for (var o = lid; o < min(PF, p.T - t0) * CPW * CH; o += WG) {
      let s = o / (CPW * CH);
      let w = (o / CH) % CPW;
      let i = o % CH;
      let c = (wg.x * CPW + w) * CH + i;
      if (c < p.D) {
        let at = (buf * PF + s) * WG + w * G;
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[at + (j + w) % G][i]; }
        y[(ln.rowBase + t0 + s) * p.D + c] = acc;
      }
    }
    buf = 1u - buf;
  }
  laneEnd();
}
