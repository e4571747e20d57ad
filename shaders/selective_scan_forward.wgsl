// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The state never leaves the chip except at chunk boundaries. Each thread keeps 4 states of CH
// channels (selective_scan_lane) and walks all T steps, in blocks of PF steps. The workgroup
// stages each block's inputs (Δ and u of its channels, Bt and Ct) in workgroup memory, loading
// them while the previous block runs: loaded step by step, they left each step waiting on memory.
// One stage buffer, stored after the previous block's sums of y, lets blocks of 8 fit 23 KiB (two
// workgroups a multiprocessor on the H200), half as many sums as blocks of 4 (run AB3: 0.0825 →
// 0.0764 ms at i3-22m, B 16).
// Each thread's parts of y_t (a vec4 over its channels) go to workgroup memory too, and after the
// block the workgroup sums the G lanes of each channel and writes y for those steps. `states` is
// (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill hands to the decode step), slot
// k ≥ 1 the state entering chunk k (what the backward restarts from). N % 4 == 0.
// PF divides the chunk (the launch builder sees to it), so chunk boundaries fall at block ends and
// the state is stored after a block, not tested for at every step: that test's branch kept the
// compiler from overlapping one step with the next (run Y5: 0.100 → 0.095 ms at i3-22m, B 16).
// For the same reason every block runs PF steps: steps past T have zero inputs (staged as 0), which
// leave h as it is, and their y parts are not summed.

override WG: u32 = 64u;
override G: u32 = 1u;
override PF: u32 = 4u;

const STAGE_ROUND = 8u; // staging loads a thread keeps in flight

struct Params { B: u32, T: u32, chunk: u32, ctAt: u32, dskipAt: u32 }

@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1-4, the inputs both kernels read (u, Δ, A_log with Dskip, Bt with Ct):
// selective_scan_lane.
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> states: array<vec4<f32>>;

//!include selective_scan_lane

// Per channel i of the thread: its states.
var<private> h: array<vec4<f32>, MAX_CH>;
var<private> skip: vec4<f32>; // Dskip on lane 0 of a group, which adds the Dskip·u terms to its parts
// The step count after which the next chunk-boundary state is kept: a counter, not (t0 + PF) %
// chunk, whose division by a runtime chunk cost the forward 2.5% (run Y13: 0.0975 against
// 0.0951 ms).
var<private> nextSave: u32;

// A block's inputs: component i of stC[(a·PF + s)·CPW + w] holds Δ (a = 0) and u (a = 1) of
// channel i of group w at step s, stS[a·PF·G + s·G + j] Bt (a = 0) and Ct (a = 1) of states
// 4j..4j+3; 0 past D and T. One buffer: the next block's inputs, loaded into registers while this
// block runs, are stored while the workgroup sums this block's y.
var<workgroup> stC: array<vec4<f32>, 2u * PF * CPW>;
var<workgroup> stS: array<vec4<f32>, 2u * PF * G>;

// A round of staging loads in flight: round r0 covers items r0 + j·WG + lid of both kinds.
var<private> vC: array<f32, STAGE_ROUND>;
var<private> vS: array<vec4<f32>, STAGE_ROUND>;

/** Loads round r0 of the inputs of steps t0..t0+PF−1 of this workgroup's channels into vC, vS. */
fn fetchRound(wgx: u32, lid: u32, t0: u32, r0: u32) {
  for (var j = 0u; j < STAGE_ROUND; j++) {
    let e = r0 + j * WG + lid;
    let s = (e / CC) % PF;
    let c = wgx * CC + e % CC;
    vC[j] = 0.0;
    if (e < 2u * PF * CC && inD(c) && t0 + s < p.T) {
      let i = (ln.rowBase + t0 + s) * D + c;
      if (e < PF * CC) { vC[j] = delta[i]; } else { vC[j] = u[i]; }
    }
    let sS = (e / G) % PF;
    vS[j] = vec4<f32>(0.0);
    if (e < 2u * PF * G && t0 + sS < p.T) {
      vS[j] = stateInput(e / (PF * G), ln.rowBase + t0 + sS, e % G);
    }
  }
}

/** Stores round r0 (vC, vS) into the stage. */
fn storeRound(lid: u32, r0: u32) {
  for (var j = 0u; j < STAGE_ROUND; j++) {
    let e = r0 + j * WG + lid;
    if (e < 2u * PF * CC) { stC[e / CH][e % CH] = vC[j]; }
    if (e < 2u * PF * G) { stS[e] = vS[j]; }
  }
}

/**
 * Stages the inputs of steps t0..t0+PF−1, round 0 already fetched: the rest, if the block has more
 * items than a round, a round at a time.
 */
fn stageBlock(wgx: u32, lid: u32, t0: u32) {
  storeRound(lid, 0u);
  for (var r0 = STAGE_ROUND * WG; r0 < 2u * PF * max(CC, G); r0 += STAGE_ROUND * WG) {
    fetchRound(wgx, lid, t0, r0);
    storeRound(lid, r0);
  }
}

fn forwardStart(wg: vec3<u32>, lid: u32) {
  laneStart(wg, lid);
  nextSave = p.chunk;
  let k = channelIndices();
  if (ln.lane == 0u) {
    skip = vec4<f32>(dskipOf(k.x), dskipOf(k.y), dskipOf(k.z), dskipOf(k.w));
  }
}

fn storeState(slot: u32) {
  for (var i = 0u; i < CH; i++) {
    if (inD(ln.c0 + i)) { states[stateIndex(slot, i)] = h[i]; }
  }
}

/** Advances this thread's states through step s of the stage; returns its parts of y there. */
fn laneStep(s: u32) -> vec4<f32> {
  if (!ln.live) { return vec4<f32>(0.0); }
  let dt = stC[s * CPW + ln.cw];
  let ut = stC[(PF + s) * CPW + ln.cw];
  let bt = stS[s * G + ln.lane];
  let ct = stS[(PF + s) * G + ln.lane];
  let xu = dt * ut;
  var part = skip * ut;
  for (var i = 0u; i < CH; i++) {
    h[i] = stepState(i, h[i], dt[i], xu[i], bt);
    part[i] += dot(ct, h[i]);
  }
  return part;
}

fn laneEnd() {
  if (ln.live) { storeState(0u); }
}

// The parts of channel group w's lanes at step s of the block: row s·CPW + w, slot = lane, each row
// one slot longer than G (SROW), so that the sums over a row, run by neighbouring threads for
// different groups, read different banks at constant offsets (run Y1: 0.103 → 0.100 ms, against
// starting each group's walk at lane w mod G).
override SROW: u32 = G + 1u;
var<workgroup> ypart: array<vec4<f32>, PF * CPW * SROW>;
// Rounds of the workgroup's threads that a block's PF·CC outputs of y take.
override Y_ROUNDS: u32 = (PF * CC + WG - 1u) / WG;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  forwardStart(wg, lid);
  fetchRound(wg.x, lid, 0u, 0u);
  stageBlock(wg.x, lid, 0u);
  workgroupBarrier();
  for (var t0 = 0u; t0 < p.T; t0 += PF) {
    // The next block's first round loads while this block runs.
    fetchRound(wg.x, lid, t0 + PF, 0u);
    for (var s = 0u; s < PF; s++) {
      let part = laneStep(s);
      if (ln.cw < CPW) { ypart[(s * CPW + ln.cw) * SROW + ln.lane] = part; }
    }
    if (t0 + PF == nextSave) {
      if (ln.live && nextSave < p.T) { storeState(nextSave / p.chunk); }
      nextSave += p.chunk;
    }
    let steps = min(PF, p.T - t0);
    // Every read of this block's stage and write of its y parts ends here.
    workgroupBarrier();
    // Output o = (step s, channel group w, channel i): neighbouring threads write neighbouring
    // channels. Constant rounds, as the backward's sums.
    for (var r = 0u; r < Y_ROUNDS; r++) {
      let o = lid + r * WG;
      if (o >= steps * CC) { break; }
      let s = o / CC;
      let w = (o / CH) % CPW;
      let i = o % CH;
      let c = (wg.x * CPW + w) * CH + i;
      if (inD(c)) {
        let at = (s * CPW + w) * SROW;
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[at + j][i]; }
        y[(ln.rowBase + t0 + s) * D + c] = acc;
      }
    }
    stageBlock(wg.x, lid, t0 + PF);
    // The sums' reads of ypart end before the next block's writes, and the next block's stage is
    // in place.
    workgroupBarrier();
  }
  laneEnd();
}
