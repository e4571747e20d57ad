// Selective-scan backward, pass 1 of 2: the reverse (adjoint) scan, fp32. Same mapping as the
// forward (selective_scan_lane: a thread holds 4 states of CH channels). Chunks run last to first.
// Each chunk's states are recomputed forward from the boundary state the forward kept (never by
// inverting exp(Δ·A), which is unstable) into a per-thread array, then the adjoint
// g_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·g_{t+1} runs backwards through them:
//   du_t    = Σ_n g_t·Δ_t·Bt_t                    (+ Dskip·dy_t, added by pass 2)
//   dΔ_t    = Σ_n g_t·(A·exp(Δ_t·A)·h_{t-1} + Bt_t·u_t)
//   dBt_t   = Σ_c g_t·Δ_t·u_t,  dCt_t = Σ_c dy_t·h_t
//   dA[c,n] = Σ_t g_t·Δ_t·exp(Δ_t·A)·h_{t-1}    (dA_log = dA·A, applied by pass 2)
// A thread sums its own 4 states (du, dΔ) and its own 4 channels (dBt, dCt) in registers; each
// step the rest, over the G lanes of a channel and over this workgroup's channel groups, goes
// through workgroup memory, with a barrier before the sums and one after. One buffer, not two (one
// barrier a step): 8 KiB less lets two 128-thread workgroups share an H200 multiprocessor, where at
// 30 KiB one ran at a time (runs X2-X3: batch 9 took as long as 16; backward 0.525 → 0.385 ms
// at i3-22m, batch 16). The sums over workgroups (dBt, dCt) and over sequences (dA) are partial
// sums in `scratch`, finished without atomics by selective_scan_backward_reduce.
// scratch (floats): [du core: rows·D][dΔ: rows·D][dBt parts: groupsD·rows·N]
//                   [dCt parts: groupsD·rows·N][dA parts: B·D·N][dDskip parts: B·D]

override WG: u32 = 64u;
override G: u32 = 1u;
// Steps the stage holds: p.chunk rounded up to whole pieces (steps past p.chunk staged as 0).
override CHUNK: u32 = 16u;

// Longest chunk (the launch builder checks it), and the piece of it whose states a thread holds
// at once: a chunk is at most two pieces. They run last to first, each recomputed from the chunk's
// boundary state (the walk to the second piece's start keeps no states). Every walk runs PIECE
// steps, so that the compiler can unroll it and write the state array at constant indices; main
// runs a piece's PIECE adjoint steps as PIECE calls, for the same reason. Each chunk starts with
// the workgroup staging the chunk's inputs (Δ, u, dy of its channels, Bt, Ct) in workgroup memory,
// all loads in flight at once.
const MAX_CHUNK = 16u;
const PIECE = 8u;
const_assert PIECE == 8u && MAX_CHUNK == 2u * PIECE; // main's 8 pieceStep calls; two pieces
const STAGE_ROUND = 12u; // staging loads of each kind a thread keeps in flight

struct Params { B: u32, T: u32, chunk: u32, groupsD: u32 }

@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1-5, the inputs both kernels read (u, Δ, A_log, Bt, Ct): selective_scan_lane.
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read> states: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> scratch: array<f32>;

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

// A chunk's inputs: component i of stC[(a·CHUNK + s)·CPW + w] holds Δ (a = 0), u (1) and dy (2) of
// channel i of group w at step s of the chunk, stS[a·CHUNK·G + s·G + j] Bt (a = 0) and Ct (1) of
// states 4j..4j+3; 0 past D and past the chunk.
var<workgroup> stC: array<vec4<f32>, 3u * CHUNK * CPW>;
var<workgroup> stS: array<vec4<f32>, 2u * CHUNK * G>;

/**
 * Stages the inputs of steps t0..t0+len−1 of this workgroup's channels, in rounds of STAGE_ROUND
 * loads of each kind per thread, all in flight before any is stored.
 */
fn stageChunk(wgx: u32, lid: u32, t0: u32, len: u32) {
  for (var r0 = 0u; r0 < CHUNK * max(3u * CC, 2u * G); r0 += STAGE_ROUND * WG) {
    var vC: array<f32, STAGE_ROUND>;
    var vS: array<vec4<f32>, STAGE_ROUND>;
    for (var j = 0u; j < STAGE_ROUND; j++) {
      let e = r0 + j * WG + lid;
      let a = e / (CHUNK * CC);
      let s = (e / CC) % CHUNK;
      let c = wgx * CC + e % CC;
      vC[j] = 0.0;
      if (a < 3u && inD(c) && s < len) {
        let i = (ln.rowBase + t0 + s) * D + c;
        if (a == 0u) { vC[j] = delta[i]; } else if (a == 1u) { vC[j] = u[i]; } else { vC[j] = dy[i]; }
      }
      let sS = (e / G) % CHUNK;
      vS[j] = vec4<f32>(0.0);
      if (e < 2u * CHUNK * G && sS < len) {
        let i = (ln.rowBase + t0 + sS) * G + e % G;
        if (e < CHUNK * G) { vS[j] = Bt[i]; } else { vS[j] = Ct[i]; }
      }
    }
    for (var j = 0u; j < STAGE_ROUND; j++) {
      let e = r0 + j * WG + lid;
      if (e < 3u * CHUNK * CC) { stC[e / CH][e % CH] = vC[j]; }
      if (e < 2u * CHUNK * G) { stS[e] = vS[j]; }
    }
  }
}

/** The staged inputs of step s of the chunk. */
fn stepInputs(s: u32) -> StepIn {
  let at = s * CPW + ln.cw;
  return StepIn(
    stC[at],
    stC[CHUNK * CPW + at],
    stC[2u * CHUNK * CPW + at],
    stS[s * G + ln.lane],
    stS[(CHUNK + s) * G + ln.lane],
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
fn walk(laterPiece: bool) {
  if (!ln.live || !laterPiece) { return; }
  for (var s = 0u; s < PIECE; s++) { stepH0(stepInputs(s)); }
}

/**
 * Recomputes the states of a piece (chunk steps start..start+PIECE−1, entered with h0) into hs.
 * Every piece runs PIECE steps, with no test of its length that would keep the compiler from
 * overlapping them (run Y5: with the states written straight into hs, 0.354 → 0.339 ms): steps
 * past the chunk are staged as zeros (Δ = 0: h stays as it is).
 */
fn recomputePiece(start: u32) {
  if (!ln.live) { return; }
  for (var s = 0u; s < PIECE; s++) {
    let x = stepInputs(start + s);
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
  let offA = 2u * rowCount() * D + 2u * p.groupsD * rowCount() * N;
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

// Rounds of the workgroup's threads that the step's 2·CC + N outputs take: one at
// i3-22m. A constant trip count, unlike a loop to a runtime bound, lets the compiler drop the loop
// (run AA3: backward 0.334 → 0.324 ms).
override SUM_ROUNDS: u32 = (2u * CC + N + WG - 1u) / WG;

/**
 * The step's sums (row `row`) across threads. Outputs o < 2·CC are du or dΔ of one channel,
 * the sum over its G lanes; the next N are dBt and dCt of one state, the sum over this
 * workgroup's channel groups.
 */
fn sumStep(wg: vec3<u32>, lid: u32, row: u32) {
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
          for (var j = 0u; j < G; j++) { acc += sU[at + j][i]; }
        } else {
          for (var j = 0u; j < G; j++) { acc += sD[at + j][i]; }
        }
        scratch[select(0u, rowCount() * D, o >= CC) + row * D + c] = acc;
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
      let offB = 2u * rowCount() * D;
      let part = (wg.x * rowCount() + row) * N + n;
      scratch[offB + part] = accB;
      scratch[offB + p.groupsD * rowCount() * N + part] = accC;
    }
  }
}

/**
 * Step s (1..PIECE) of the piece that starts at step `start` (step `at` of its chunk), len steps
 * long: the adjoint step, then its sums across threads (none for steps at or past len).
 */
fn pieceStep(wg: vec3<u32>, lid: u32, s: u32, start: u32, at: u32, len: u32) {
  let x = stepInputs(at + s - 1u);
  let r = adjointStep(x, s - 1u);
  sB[lid] = r.gB;
  sC[lid] = r.gC;
  if (ln.cw < CPW) {
    sU[ln.cw * SROW + ln.lane] = r.pu;
    sD[ln.cw * SROW + ln.lane] = r.pd;
  }
  workgroupBarrier();
  if (s - 1u < len) { sumStep(wg, lid, ln.rowBase + start + s - 1u); }
  // The sums' reads end before the next step's writes.
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  for (var kk = nChunks; kk > 0u; kk--) {
    let chunkStart = (kk - 1u) * p.chunk;
    let chunkLen = min(p.chunk, p.T - chunkStart);
    // The last step's barrier ended every read of the previous chunk's stage.
    stageChunk(wg.x, lid, chunkStart, chunkLen);
    workgroupBarrier();
    for (var piece = (chunkLen + PIECE - 1u) / PIECE; piece > 0u; piece--) {
      let start = chunkStart + (piece - 1u) * PIECE;
      let len = min(PIECE, chunkStart + chunkLen - start);
      let at = start - chunkStart;
      loadChunkState(kk);
      walk(at > 0u);
      recomputePiece(at);
      // The piece's steps, last first, each a call with a constant step (WGSL cannot ask for a
      // loop to be unrolled): hs is then indexed by constants only and stays in registers. As a
      // loop it lived in local memory (run Y3: 0.368 → 0.352 ms, 5,759 instructions, 252
      // registers, which two 128-thread workgroups a multiprocessor can still have).
      pieceStep(wg, lid, 8u, start, at, len);
      pieceStep(wg, lid, 7u, start, at, len);
      pieceStep(wg, lid, 6u, start, at, len);
      pieceStep(wg, lid, 5u, start, at, len);
      pieceStep(wg, lid, 4u, start, at, len);
      pieceStep(wg, lid, 3u, start, at, len);
      pieceStep(wg, lid, 2u, start, at, len);
      pieceStep(wg, lid, 1u, start, at, len);
    }
  }
  laneEnd();
}
