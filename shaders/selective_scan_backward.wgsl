// Selective-scan backward, pass 1 of 2: the reverse (adjoint) scan, fp32. Same mapping as the
// forward with one vec4 per lane: G = N/4 lanes per channel, lane j holding states n = 4j + i of
// channel c. Chunks run last to first. Each chunk's states are recomputed forward from the boundary
// state the forward kept (never by inverting exp(Δ·A), which is unstable) into a per-thread array,
// then the adjoint g_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·g_{t+1} runs backwards through them:
//   du_t    = Σ_n g_t·Δ_t·Bt_t                    (+ Dskip·dy_t, added by pass 2)
//   dΔ_t    = Σ_n g_t·(A·exp(Δ_t·A)·h_{t-1} + Bt_t·u_t)
//   dBt_t   = Σ_c g_t·Δ_t·u_t,  dCt_t = Σ_c dy_t·h_t
//   dA[c,n] = Σ_t g_t·Δ_t·exp(Δ_t·A)·h_{t-1}    (dA_log = dA·A, applied by pass 2)
// Sums over lanes (du, dΔ) and over this workgroup's channels (dBt, dCt) go through workgroup
// memory once every RB steps (keepStep, sumBlock); the sums over workgroups (dBt, dCt) and over
// sequences (dA) are partial sums in `scratch`, finished without atomics by
// selective_scan_backward_reduce.
// scratch (floats): [du core: rows·D][dΔ: rows·D][dBt parts: groupsD·rows·N]
//                   [dCt parts: groupsD·rows·N][dA parts: B·D·N][dDskip parts: B·D]

override WG: u32 = 64u;
override G: u32 = 1u;
override RB: u32 = 4u;

// Longest chunk (the launch builder checks it), and the piece of it whose states a thread holds
// at once. A chunk's pieces run last to first, each recomputed from the chunk's boundary state
// (the walk to a later piece's start keeps no states): 8 states in registers instead of 16 leave
// room for more resident workgroups, for 8 more steps of recompute per chunk. Every walk runs a
// constant number of steps (past the piece's length they do nothing), so that the compiler can
// unroll it and index the state array with constants: registers instead of local memory.
const MAX_CHUNK = 16u;
const PIECE = 8u;
const LOG2E = 1.4426950408889634;

struct Params { B: u32, T: u32, D: u32, N: u32, chunk: u32, groupsD: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> delta: array<f32>;
@group(0) @binding(3) var<storage, read> ALog: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> Bt: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> Ct: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read> states: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> scratch: array<f32>;

//!include selective_scan_lane

fn rowCount() -> u32 {
  return p.B * p.T;
}

/** One step's terms of one lane, before the sums over lanes and channels. */
struct StepGrads {
  gB: vec4<f32>, // g·Δ·u: this lane's part of dBt
  gC: vec4<f32>, // dy·h: its part of dCt
  pu: f32, // its part of du
  pd: f32, // its part of dΔ
}

var<private> A2: vec4<f32>; // A·log2(e): exp(Δ·A) = exp2(Δ·A2), and A·x = A2·x / log2(e)
var<private> carry: vec4<f32>; // exp(Δ_{t+1}·A)·g_{t+1}: the adjoint flowing into step t
var<private> dA: vec4<f32>;
var<private> dDskip: f32; // Σ_t dy·u of this channel and sequence
var<private> h0: vec4<f32>; // the state entering the piece
var<private> hs: array<vec4<f32>, PIECE>; // the piece's states

fn laneStart(wg: vec3<u32>, lid: u32) {
  placeLane(wg, lid);
  if (ln.live) { A2 = -exp(ALog[ln.c * ln.n4 + ln.lane]) * LOG2E; }
}

/** The boundary state the forward kept for chunk kk − 1 (zero before step 0). */
fn chunkState(kk: u32) -> vec4<f32> {
  if (!ln.live || kk == 1u) { return vec4<f32>(0.0); }
  return states[(((kk - 1u) * p.B + ln.b) * p.D + ln.c) * ln.n4 + ln.lane];
}

/** One step of the recurrence, at row `row`, from state h. */
fn stepState(h: vec4<f32>, row: u32) -> vec4<f32> {
  let dt = delta[row * p.D + ln.c];
  return exp2(dt * A2) * h + (dt * u[row * p.D + ln.c]) * Bt[row * ln.n4 + ln.lane];
}

/** The state after steps start..start+n−1 from h (n ≤ MAX_CHUNK − PIECE), keeping none. */
fn walk(h: vec4<f32>, start: u32, n: u32) -> vec4<f32> {
  var x = h;
  if (!ln.live) { return x; }
  for (var s = 0u; s < MAX_CHUNK - PIECE; s++) {
    if (s < n) { x = stepState(x, ln.rowBase + start + s); }
  }
  return x;
}

/** Recomputes the states of a piece (steps start..start+len−1, entered with h0) into hs. */
fn recomputePiece(start: u32, len: u32) {
  if (!ln.live) { return; }
  var h = h0;
  for (var s = 0u; s < PIECE; s++) {
    if (s < len) {
      h = stepState(h, ln.rowBase + start + s);
      hs[s] = h;
    }
  }
}

/** The adjoint step at step sl of the chunk (zero terms past its length or on idle lanes). */
fn adjointStep(start: u32, sl: u32, len: u32) -> StepGrads {
  var r = StepGrads(vec4<f32>(0.0), vec4<f32>(0.0), 0.0, 0.0);
  if (!ln.live || sl >= len) { return r; }
  let row = ln.rowBase + start + sl;
  let idx = row * p.D + ln.c;
  let dt = delta[idx];
  let ut = u[idx];
  let dyt = dy[idx];
  let bt = Bt[row * ln.n4 + ln.lane];
  let a = exp2(dt * A2);
  var hPrev = h0;
  if (sl > 0u) { hPrev = hs[sl - 1u]; }
  let g = dyt * Ct[row * ln.n4 + ln.lane] + carry;
  r.gB = g * (dt * ut);
  r.gC = dyt * hs[sl];
  let gb = dot(g, bt);
  r.pu = dt * gb;
  let gah = g * (a * hPrev);
  r.pd = dot(gah, A2) * (1.0 / LOG2E) + ut * gb;
  dA += dt * gah;
  dDskip += dyt * ut;
  carry = a * g;
  return r;
}

/** Writes the sums over lanes of du and dΔ for one (row, channel). */
fn storeLaneSums(row: u32, c: u32, su: f32, sd: f32) {
  let idx = row * p.D + c;
  scratch[idx] = su;
  scratch[rowCount() * p.D + idx] = sd;
}

/** Writes the sums over this workgroup's channels of dBt, dCt for one (row, vec4 k of states). */
fn storeChannelSums(group: u32, row: u32, k: u32, sB: vec4<f32>, sC: vec4<f32>) {
  let offB = 2u * rowCount() * p.D;
  let offC = offB + p.groupsD * rowCount() * p.N;
  let part = ((group * rowCount() + row) * ln.n4 + k) * 4u;
  for (var i = 0u; i < 4u; i++) {
    scratch[offB + part + i] = sB[i];
    scratch[offC + part + i] = sC[i];
  }
}

fn laneEnd() {
  if (!ln.live) { return; }
  let offA = 2u * rowCount() * p.D + 2u * p.groupsD * rowCount() * p.N;
  for (var i = 0u; i < 4u; i++) {
    scratch[offA + ((ln.b * p.D + ln.c) * ln.n4 + ln.lane) * 4u + i] = dA[i];
  }
  if (ln.lane == 0u) { scratch[offA + p.B * p.D * p.N + ln.b * p.D + ln.c] = dDskip; }
}

// Per step k of a block: sB, sC at k·WG + lid; sU, sD (lane parts of du, dΔ) at
// k·(WG/G)·(G+1) + ch·(G+1) + j, the odd stride keeping writes and sums conflict-free.
var<workgroup> sB: array<vec4<f32>, RB * WG>;
var<workgroup> sC: array<vec4<f32>, RB * WG>;
var<workgroup> sU: array<f32, RB * (WG / G) * (G + 1u)>;
var<workgroup> sD: array<f32, RB * (WG / G) * (G + 1u)>;

override CPW: u32 = WG / G; // channels per workgroup (derived; not set by the launch)
override STEP_FLOATS: u32 = CPW * (G + 1u);

/** A step's terms, the k-th of its block, into workgroup memory. */
fn keepStep(lid: u32, k: u32, r: StepGrads) {
  sB[k * WG + lid] = r.gB;
  sC[k * WG + lid] = r.gC;
  if (ln.cw < CPW) { // threads past the last whole channel (WG % G) have no slot
    sU[k * STEP_FLOATS + ln.cw * (G + 1u) + ln.lane] = r.pu;
    sD[k * STEP_FLOATS + ln.cw * (G + 1u) + ln.lane] = r.pd;
  }
}

/** The block's sums, steps t0..t0+steps−1: over lanes (du, dΔ) and channels (dBt, dCt). */
fn sumBlock(wg: vec3<u32>, lid: u32, t0: u32, steps: u32) {
  // Output o = (step s, channel ch).
  for (var o = lid; o < steps * CPW; o += WG) {
    let s = o / CPW;
    let ch = o % CPW;
    let cc = wg.x * CPW + ch;
    if (cc < p.D) {
      let at = s * STEP_FLOATS + ch * (G + 1u);
      var su = 0.0;
      var sd = 0.0;
      for (var j = 0u; j < G; j++) {
        su += sU[at + j];
        sd += sD[at + j];
      }
      storeLaneSums(ln.rowBase + t0 + s, cc, su, sd);
    }
  }
  // Output o = (step s, vec4 k of states): the sum over this workgroup's channels.
  for (var o = lid; o < steps * ln.n4; o += WG) {
    let s = o / ln.n4;
    let k = o % ln.n4;
    var accB = vec4<f32>(0.0);
    var accC = vec4<f32>(0.0);
    for (var ch = 0u; ch < CPW; ch++) {
      let v = s * WG + ch * G + k;
      accB += sB[v];
      accC += sC[v];
    }
    storeChannelSums(wg.x, ln.rowBase + t0 + s, k, accB, accC);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  for (var kk = nChunks; kk > 0u; kk--) {
    let chunkStart = (kk - 1u) * p.chunk;
    let chunkLen = min(p.chunk, p.T - chunkStart);
    let hc = chunkState(kk);
    for (var piece = (chunkLen + PIECE - 1u) / PIECE; piece > 0u; piece--) {
      let start = chunkStart + (piece - 1u) * PIECE;
      let len = min(PIECE, chunkStart + chunkLen - start);
      h0 = walk(hc, chunkStart, start - chunkStart);
      recomputePiece(start, len);
      // Blocks of RB steps from the end of the PIECE frame; steps at or past len are empty.
      for (var bi = 0u; bi < (PIECE + RB - 1u) / RB; bi++) {
        let s1f = PIECE - bi * RB;
        let s0 = select(0u, s1f - RB, s1f > RB);
        let s1 = max(s0, min(s1f, len));
        for (var s = s1f; s > s0; s--) {
          keepStep(lid, s - 1u - s0, adjointStep(start, s - 1u, len));
        }
        workgroupBarrier();
        sumBlock(wg, lid, start + s0, s1 - s0);
        workgroupBarrier();
      }
    }
  }
  laneEnd();
}
