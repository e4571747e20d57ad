// Selective-scan backward, pass 1 of 2: the reverse (adjoint) scan, fp32. Same mapping as the
// forward (selective_scan_lane: a thread holds 4 states of CH channels). Chunks run last to first.
// Each chunk's states are recomputed forward from the boundary state the forward kept (never by
// inverting exp(Δ·A), which is unstable) into a per-thread array, then the adjoint
// g_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·g_{t+1} runs backwards through them:
//   du_t    = Σ_n g_t·Δ_t·Bt_t + Dskip·dy_t
//   dΔ_t    = Σ_n g_t·(A·exp(Δ_t·A)·h_{t-1} + Bt_t·u_t)
//   dBt_t   = Σ_c g_t·Δ_t·u_t,  dCt_t = Σ_c dy_t·h_t
//   dA[c,n] = Σ_t g_t·Δ_t·exp(Δ_t·A)·h_{t-1}    (dA_log = dA·A, applied by pass 2)
// A thread sums its own 4 states (du, dΔ) and its own 4 channels (dBt, dCt) in registers; each
// step the rest, over the G lanes of a channel and over this workgroup's channel groups, goes
// through workgroup memory, with a barrier before the sums and one after. One buffer, not two (one
// barrier a step): 8 KiB less lets two 128-thread workgroups share an H200 multiprocessor, where at
// 30 KiB one ran at a time (runs X2-X3: batch 9 took as long as 16; backward 0.525 → 0.385 ms
// at i3-22m, batch 16). du and dΔ are whole once a step's sums are done, and go straight to `dud`
// (du, then dΔ from float p.ddeltaAt: one binding, so that the kernel keeps to 8 storage buffers).
// The sums over workgroups (dBt, dCt) and over sequences (dA, dDskip) are partial sums in
// `scratch`, finished without atomics by selective_scan_backward_reduce.
// scratch (floats): [dBt parts: groupsD·rows·N][dCt parts: groupsD·rows·N][dA parts: B·D·N]
//                   [dDskip parts: B·D]

override WG: u32 = 64u;
override G: u32 = 1u;

// Longest chunk (the launch builder checks it), and the piece of it whose states a thread holds
// at once: a chunk is at most two pieces. They run last to first, each recomputed from the chunk's
// boundary state (the walk to the second piece's start keeps no states). Every walk runs PIECE
// steps, so that the compiler can unroll it and write the state array at constant indices; main
// runs a piece's PIECE adjoint steps as PIECE calls, for the same reason.
const MAX_CHUNK = 16u;
const PIECE = 8u;
const_assert PIECE == 8u && MAX_CHUNK == 2u * PIECE; // main's 8 pieceStep calls; two pieces
const STAGE_ROUND = 12u; // staging loads of each kind a thread keeps in flight

struct Params {
  B: u32,
  T: u32,
  chunk: u32,
  groupsD: u32,
  ctAt: u32,
  dskipAt: u32,
  ddeltaAt: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1-4, the inputs both kernels read (u, Δ, A_log with Dskip, Bt with Ct):
// selective_scan_lane.
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read> states: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(8) var<storage, read_write> dud: array<f32>;

//!include selective_scan_lane

fn rowCount() -> u32 {
  return p.B * p.T;
}

/** One step's terms of one thread, before the sums across threads. */
struct StepGrads {
  gB: vec4<f32>, // Σ over its channels of g·Δ·u: its part of dBt (4 states)
  gC: vec4<f32>, // Σ over its channels of dy·h: its part of dCt
  pu: vec4<f32>, // its part of du (one per channel)
  pd: vec4<f32>, // its part of dΔ
}

/** One step's inputs: Δ, u and dy of the thread's channels, its 4 states' Bt and Ct. */
struct StepIn { dt: vec4<f32>, u: vec4<f32>, dy: vec4<f32>, b: vec4<f32>, c: vec4<f32> }

// The stage: two regions of PIECE steps' inputs. Region r's component i of
// stC[((3r + a)·PIECE + s)·CPW + w] holds Δ (a = 0), u (1) and dy (2) of channel i of group w at
// step s of its piece, stS[((2r + a)·PIECE + s)·G + j] Bt (a = 0) and Ct (1) of states 4j..4j+3;
// 0 past D and past the chunk. A chunk's first piece (steps 0..7) sits in region `first`, its
// second in the other. Staging a whole chunk at its start left every workgroup waiting on memory
// (runs AB4 and AB7: 0.022-0.027 of the backward's 0.286 ms at i3-22m), so each piece's inputs
// load while the thread has other work and registers to spare: a chunk's second piece during the
// walk to its start, the next chunk's first piece during this chunk's last recompute, each into
// the region whose piece is done (run AB9: i3-tiny 0.0970 → 0.0904 ms, chunks of 8 0.286 →
// 0.262; at i3-22m, within the noise, the loads' latency outlasts the walk and the recompute).
var<workgroup> stC: array<vec4<f32>, 6u * PIECE * CPW>;
var<workgroup> stS: array<vec4<f32>, 4u * PIECE * G>;
var<private> first: u32;

// Rounds of the workgroup's threads that one piece's inputs take.
override PIECE_ROUNDS: u32 = (max(3u * PIECE * CC, 2u * PIECE * G) + WG - 1u) / WG;

/** One staging load of each kind. */
struct StageItem { c: f32, s: vec4<f32> }

/** Round r of the inputs of the PIECE steps from t0, of which len are in the chunk. */
fn loadRound(wgx: u32, lid: u32, t0: u32, len: u32, r: u32) -> StageItem {
  let e = r * WG + lid;
  var v = StageItem(0.0, vec4<f32>(0.0));
  let a = e / (PIECE * CC);
  let s = (e / CC) % PIECE;
  let c = wgx * CC + e % CC;
  if (a < 3u && inD(c) && s < len) {
    let i = (ln.rowBase + t0 + s) * D + c;
    if (a == 0u) { v.c = delta[i]; } else if (a == 1u) { v.c = u[i]; } else { v.c = dy[i]; }
  }
  let sS = (e / G) % PIECE;
  if (e < 2u * PIECE * G && sS < len) {
    v.s = stateInput(e / (PIECE * G), ln.rowBase + t0 + sS, e % G);
  }
  return v;
}

/** Stores round r, loaded by loadRound, in stage region `region`. */
fn storeRound(lid: u32, region: u32, r: u32, v: StageItem) {
  let e = r * WG + lid;
  if (e < 3u * PIECE * CC) { stC[3u * region * PIECE * CPW + e / CH][e % CH] = v.c; }
  if (e < 2u * PIECE * G) { stS[2u * region * PIECE * G + e] = v.s; }
}

/** Rounds r0..r0+STAGE_ROUND−1 of the inputs of the PIECE steps from t0 (len in the chunk). */
fn loadRounds(wgx: u32, lid: u32, t0: u32, len: u32, r0: u32) -> array<StageItem, STAGE_ROUND> {
  var v: array<StageItem, STAGE_ROUND>;
  for (var j = 0u; j < STAGE_ROUND; j++) {
    if (r0 + j < PIECE_ROUNDS) { v[j] = loadRound(wgx, lid, t0, len, r0 + j); }
  }
  return v;
}

/** Stores rounds r0.., as loadRounds loaded them, in stage region `region`. */
fn storeRounds(lid: u32, region: u32, r0: u32, v: array<StageItem, STAGE_ROUND>) {
  for (var j = 0u; j < STAGE_ROUND; j++) {
    if (r0 + j < PIECE_ROUNDS) { storeRound(lid, region, r0 + j, v[j]); }
  }
}

/**
 * Stages the inputs of the PIECE steps from t0 (len of them in the chunk) in `region`, from round
 * r0 on, STAGE_ROUND rounds in flight at a time.
 */
fn stagePiece(wgx: u32, lid: u32, t0: u32, len: u32, region: u32, r0: u32) {
  for (var b = r0; b < PIECE_ROUNDS; b += STAGE_ROUND) {
    storeRounds(lid, region, b, loadRounds(wgx, lid, t0, len, b));
  }
}

/** Where stC holds input a (0 Δ, 1 u, 2 dy) of channel group w at step s of `region`'s piece. */
fn stageAt(region: u32, a: u32, s: u32, w: u32) -> u32 {
  return ((3u * region + a) * PIECE + s) * CPW + w;
}

/** The staged inputs of step s of the piece in `region`. */
fn stepInputs(region: u32, s: u32) -> StepIn {
  let atS = (2u * region * PIECE + s) * G + ln.lane;
  return StepIn(
    stC[stageAt(region, 0u, s, ln.cw)],
    stC[stageAt(region, 1u, s, ln.cw)],
    stC[stageAt(region, 2u, s, ln.cw)],
    stS[atS],
    stS[PIECE * G + atS],
  );
}

// Per channel i of the thread (A2 is selective_scan_lane's): the adjoint flowing into step t
// (exp(Δ_{t+1}·A)·g_{t+1}), dA, the state entering the piece, and the piece's states (step s at
// s·MAX_CH + i).
var<private> carry: array<vec4<f32>, MAX_CH>;
var<private> dA: array<vec4<f32>, MAX_CH>;
var<private> h0: array<vec4<f32>, MAX_CH>;
var<private> hs: array<vec4<f32>, PIECE * MAX_CH>;
var<private> dDskip: vec4<f32>; // Σ_t dy·u of the thread's channels in this sequence

/** h0 := the boundary state the forward kept for chunk kk − 1 (zero before step 0). */
fn loadChunkState(kk: u32) {
  for (var i = 0u; i < CH; i++) {
    h0[i] = vec4<f32>(0.0);
    if (kk > 1u && inD(ln.c0 + i)) {
      h0[i] = states[stateIndex(kk - 1u, i)];
    }
  }
}

/** h0 := h0 advanced through a step with inputs x. */
fn stepH0(x: StepIn) {
  let xu = x.dt * x.u;
  for (var i = 0u; i < CH; i++) { h0[i] = stepState(i, h0[i], x.dt[i], xu[i], x.b); }
}

/** Advances h0 (the chunk's boundary state) through its first piece, for the later piece. */
fn walk() {
  if (!ln.live) { return; }
  for (var s = 0u; s < PIECE; s++) { stepH0(stepInputs(first, s)); }
}

/**
 * Recomputes the states of the piece in `region` (entered with h0) into hs. Every piece runs PIECE
 * steps, with no test of its length that would keep the compiler from overlapping them (run Y5:
 * with the states written straight into hs, 0.354 → 0.339 ms): steps past the chunk are staged as
 * zeros (Δ = 0: h stays as it is).
 */
fn recomputePiece(region: u32) {
  if (!ln.live) { return; }
  for (var s = 0u; s < PIECE; s++) {
    let x = stepInputs(region, s);
    let xu = x.dt * x.u;
    for (var i = 0u; i < CH; i++) {
      var prev = h0[i];
      if (s > 0u) { prev = hs[(s - 1u) * MAX_CH + i]; }
      hs[s * MAX_CH + i] = stepState(i, prev, x.dt[i], xu[i], x.b);
    }
  }
}

/**
 * The adjoint step at step sl of the piece, inputs x (zero terms on idle threads). Past the piece's
 * length the inputs are zeros: the adjoint flows through unchanged (exp(0·A) = 1, dy = 0), dA and
 * dDskip gain nothing, and the step's terms are not summed (run Y7: 0.336 → 0.332 ms without the
 * test of the length).
 */
fn adjointStep(x: StepIn, sl: u32) -> StepGrads {
  var r = StepGrads(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  if (!ln.live) { return r; }
  let xu = x.dt * x.u;
  for (var i = 0u; i < CH; i++) {
    let a = decay(i, x.dt[i]);
    var hPrev = h0[i];
    if (sl > 0u) { hPrev = hs[(sl - 1u) * MAX_CH + i]; }
    let g = x.dy[i] * x.c + carry[i];
    r.gB += g * xu[i];
    r.gC += x.dy[i] * hs[sl * MAX_CH + i];
    let gb = dot(g, x.b);
    carry[i] = a * g;
    let gah = carry[i] * hPrev;
    r.pu[i] = x.dt[i] * gb;
    r.pd[i] = dot(gah, A2[i]) * (1.0 / LOG2E) + x.u[i] * gb;
    dA[i] += x.dt[i] * gah;
  }
  dDskip += x.dy * x.u;
  return r;
}

fn laneEnd() {
  if (!ln.live) { return; }
  let offA = 2u * p.groupsD * rowCount() * N;
  for (var i = 0u; i < CH; i++) {
    let c = ln.c0 + i;
    if (inD(c)) {
      let at = offA + ((ln.b * D + c) * G + ln.lane) * 4u;
      for (var e = 0u; e < 4u; e++) { scratch[at + e] = dA[i][e]; }
      if (ln.lane == 0u) { scratch[offA + p.B * D * N + ln.b * D + c] = dDskip[i]; }
    }
  }
}

// Thread lid's terms of the step: sB, sC at lid, sU, sD at row w = lid / G, slot lid % G, each
// group's row one slot longer than its G lanes (SROW), so that the sums over a row, run by
// neighbouring threads for different groups, read different banks at constant offsets.
override SROW: u32 = G + 1u;
var<workgroup> sB: array<vec4<f32>, WG>;
var<workgroup> sC: array<vec4<f32>, WG>;
var<workgroup> sU: array<vec4<f32>, CPW * SROW>;
var<workgroup> sD: array<vec4<f32>, CPW * SROW>;
var<workgroup> sSkip: array<f32, CC>; // Dskip of this workgroup's channels, for du's Dskip·dy

// Rounds of the workgroup's threads that the step's 2·CC + N outputs take: one at
// i3-22m. A constant trip count, unlike a loop to a runtime bound, lets the compiler drop the loop
// (run AA3: backward 0.334 → 0.324 ms).
override SUM_ROUNDS: u32 = (2u * CC + N + WG - 1u) / WG;

/**
 * The step's sums (row `row`, step s of the piece in stage region `region`) across threads. Outputs
 * o < 2·CC are du or dΔ of one channel, the sum over its G lanes; the next N are dBt and dCt of one
 * state, the sum over this workgroup's channel groups.
 */
fn sumStep(wg: vec3<u32>, lid: u32, row: u32, region: u32, s: u32) {
  for (var r = 0u; r < SUM_ROUNDS; r++) {
    let o = lid + r * WG;
    if (o >= 2u * CC + N) { break; }
    if (o < 2u * CC) {
      let w = (o % CC) / CH;
      let i = o % CH;
      let c = (wg.x * CPW + w) * CH + i;
      if (inD(c)) {
        let at = w * SROW;
        var acc = 0.0;
        if (o < CC) {
          acc = sSkip[o] * stC[stageAt(region, 2u, s, w)][i];
          for (var j = 0u; j < G; j++) { acc += sU[at + j][i]; }
        } else {
          for (var j = 0u; j < G; j++) { acc += sD[at + j][i]; }
        }
        dud[select(0u, p.ddeltaAt, o >= CC) + row * D + c] = acc;
      }
    } else {
      let n = o - 2u * CC;
      let at = n / 4u;
      var accB = 0.0;
      var accC = 0.0;
      for (var w = 0u; w < CPW; w++) {
        accB += sB[at + w * G][n % 4u];
        accC += sC[at + w * G][n % 4u];
      }
      let part = (wg.x * rowCount() + row) * N + n;
      scratch[part] = accB;
      scratch[p.groupsD * rowCount() * N + part] = accC;
    }
  }
}

/**
 * Step s (1..PIECE) of the piece in `region` that starts at step `start`, len steps long: the
 * adjoint step, then its sums across threads (none for steps at or past len).
 */
fn pieceStep(wg: vec3<u32>, lid: u32, s: u32, start: u32, region: u32, len: u32) {
  let x = stepInputs(region, s - 1u);
  let r = adjointStep(x, s - 1u);
  sB[lid] = r.gB;
  sC[lid] = r.gC;
  if (ln.cw < CPW) {
    sU[ln.cw * SROW + ln.lane] = r.pu;
    sD[ln.cw * SROW + ln.lane] = r.pd;
  }
  workgroupBarrier();
  if (s - 1u < len) { sumStep(wg, lid, ln.rowBase + start + s - 1u, region, s - 1u); }
  // The sums' reads end before the next step's writes.
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  for (var k = lid; k < CC; k += WG) {
    let c = wg.x * CC + k;
    sSkip[k] = select(0.0, dskipOf(min(c, D - 1u)), inD(c));
  }
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  // The last chunk, the first to run, stages its first piece before it starts.
  first = 0u;
  let lastStart = (nChunks - 1u) * p.chunk;
  stagePiece(wg.x, lid, lastStart, min(PIECE, p.T - lastStart), 0u, 0u);
  workgroupBarrier();
  for (var kk = nChunks; kk > 0u; kk--) {
    let chunkStart = (kk - 1u) * p.chunk;
    let chunkLen = min(p.chunk, p.T - chunkStart);
    for (var piece = (chunkLen + PIECE - 1u) / PIECE; piece > 0u; piece--) {
      let start = chunkStart + (piece - 1u) * PIECE;
      let len = min(PIECE, chunkStart + chunkLen - start);
      let region = select(first, 1u - first, piece == 2u);
      loadChunkState(kk);
      // Each branch recomputes the piece itself: with one recompute after the branches the
      // backward took 0.289 ms against 0.285 (run AB9).
      if (piece == 2u) {
        // The second piece's inputs load during the walk to its start, into the region the
        // previous chunk is done with (its last step's barrier ended its reads).
        let v = loadRounds(wg.x, lid, start, len, 0u);
        walk();
        storeRounds(lid, region, 0u, v);
        stagePiece(wg.x, lid, start, len, region, STAGE_ROUND);
        workgroupBarrier();
        recomputePiece(region);
      } else if (kk > 1u) {
        // The next chunk's first piece loads during this piece's recompute, into the region this
        // chunk's second piece is done with. The next chunk reads it after this piece's barriers.
        let t0 = chunkStart - p.chunk;
        let len0 = min(PIECE, p.chunk);
        let v = loadRounds(wg.x, lid, t0, len0, 0u);
        recomputePiece(region);
        storeRounds(lid, 1u - first, 0u, v);
        stagePiece(wg.x, lid, t0, len0, 1u - first, STAGE_ROUND);
      } else {
        recomputePiece(region);
      }
      // The piece's steps, last first, each a call with a constant step (WGSL cannot ask for a
      // loop to be unrolled): hs is then indexed by constants only and stays in registers. As a
      // loop it lived in local memory (run Y3: 0.368 → 0.352 ms, 5,759 instructions, 252
      // registers, which two 128-thread workgroups a multiprocessor can still have).
      pieceStep(wg, lid, 8u, start, region, len);
      pieceStep(wg, lid, 7u, start, region, len);
      pieceStep(wg, lid, 6u, start, region, len);
      pieceStep(wg, lid, 5u, start, region, len);
      pieceStep(wg, lid, 4u, start, region, len);
      pieceStep(wg, lid, 3u, start, region, len);
      pieceStep(wg, lid, 2u, start, region, len);
      pieceStep(wg, lid, 1u, start, region, len);
    }
    // The next chunk's first piece is in the other region.
    first = 1u - first;
  }
  laneEnd();
}
