// Selective-scan forward on subgroups ("warps"), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// One subgroup per (b, c), parallel in time: a tile of SG·K steps gives each of the SG invocations
// (lanes) K consecutive steps. For each group of 4 states, a lane composes its K steps into one
// affine map, the subgroup scans those maps (subgroup_affine_scan) to find the state entering each
// lane, and the lane walks its steps again from there, adding Ct·h to its K outputs. So each lane's
// walk is K steps long instead of T, and y needs no sum across invocations. WPG subgroups (channels)
// share a workgroup; between tiles, a channel's state crosses in workgroup memory. `states` is
// (nChunks, B, D, N): slot 0 the final state, slot k ≥ 1 the state entering chunk k (SG·K is a
// multiple of the chunk, so the backward restarts each tile from one of them). N % 4 == 0.

enable subgroups;

override SG: u32 = 32u; // the adapter's subgroup size (its minimum and maximum agree)
override WPG: u32 = 8u; // subgroups, and so channels, per workgroup
override K: u32 = 8u; // steps per lane in a tile; ≤ MAX_K

const MAX_K = 8u;
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

override N4: u32 = 1u; // N / 4
// Each channel's state at the end of a tile, for the next: [tile % 2][subgroup][group of 4 states].
// Two buffers, so that a tile's reads and writes never meet.
var<workgroup> carry: array<vec4<f32>, 2u * WPG * N4>;

// The tile's Bt and Ct for one group of 4 states, staged by the whole workgroup (its subgroups
// share the sequence): lanes read K consecutive rows each, so straight from memory every load of a
// subgroup would touch SG lines. Row r sits at r + r/8, which keeps those reads free of bank
// conflicts.
var<workgroup> sB: array<vec4<f32>, SG * K + SG * K / 8u>;
var<workgroup> sC: array<vec4<f32>, SG * K + SG * K / 8u>;

/** Stages rows tile·SG·K.. of Bt and Ct at state group j (a barrier before and after). */
fn stageBC(lid: u32, b: u32, tile: u32, j: u32) {
  workgroupBarrier();
  for (var r = lid; r < SG * K; r += SG * WPG) {
    let row = b * p.T + min(tile * SG * K + r, p.T - 1u);
    sB[r + r / 8u] = Bt[row * N4 + j];
    sC[r + r / 8u] = Ct[row * N4 + j];
  }
  workgroupBarrier();
}

//!include subgroup_affine_scan

@compute @workgroup_size(SG * WPG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let w = lid / SG;
  let b = wg.y;
  let c = wg.x * WPG + w;
  let live = c < p.D;
  let cl = min(c, p.D - 1u); // idle subgroups (past D) read channel D−1 and write nothing
  let skip = Dskip[cl];
  let tileSteps = SG * K;
  let nTiles = (p.T + tileSteps - 1u) / tileSteps;
  for (var tile = 0u; tile < nTiles; tile++) {
    let t0 = tile * tileSteps + lane * K; // this lane's first step
    // Steps past T get Δ = 0: exp(0·A) = 1 and no input, the identity map. (Set explicitly: the
    // arrays are declared in the loop, but SwiftShader keeps their values from the last tile.)
    var dt: array<f32, MAX_K>;
    var x: array<f32, MAX_K>; // Δ·u
    var yk: array<f32, MAX_K>;
    var saveMask = 0u; // bit k: step t0 + k ends a chunk whose successor needs its state
    for (var k = 0u; k < K; k++) {
      let t = t0 + k;
      dt[k] = 0.0;
      x[k] = 0.0;
      if (t < p.T) {
        let i = (b * p.T + t) * p.D + cl;
        dt[k] = delta[i];
        let ut = u[i];
        x[k] = dt[k] * ut;
        yk[k] = skip * ut;
        if ((t + 1u) % p.chunk == 0u && t + 1u < p.T) { saveMask |= 1u << k; }
      }
    }
    for (var j = 0u; j < N4; j++) {
      let A2 = -exp(ALog[cl * N4 + j]) * LOG2E; // exp(Δ·A) = exp2(Δ·A2)
      var a: array<vec4<f32>, MAX_K>;
      var bx: array<vec4<f32>, MAX_K>; // Δ·u·Bt
      var m = Affine(vec4<f32>(1.0), vec4<f32>(0.0));
      stageBC(lid, b, tile, j);
      let r0 = lane * K;
      for (var k = 0u; k < K; k++) {
        a[k] = exp2(dt[k] * A2);
        bx[k] = x[k] * sB[r0 + k + (r0 + k) / 8u];
        m.S = a[k] * m.S + bx[k];
        m.A *= a[k];
      }
      var h = vec4<f32>(0.0);
      if (tile > 0u) { h = carry[(((tile + 1u) % 2u) * WPG + w) * N4 + j]; }
      let before = scanUpExclusive(m, lane);
      h = before.A * h + before.S;
      for (var k = 0u; k < K; k++) {
        h = a[k] * h + bx[k];
        yk[k] += dot(sC[r0 + k + (r0 + k) / 8u], h);
        if (live && (saveMask & (1u << k)) != 0u) {
          states[((((t0 + k + 1u) / p.chunk) * p.B + b) * p.D + c) * N4 + j] = h;
        }
      }
      // The last lane ends the tile (steps past T leave h as it was).
      if (lane == SG - 1u) {
        carry[((tile % 2u) * WPG + w) * N4 + j] = h;
        if (live && tile + 1u == nTiles) { states[(b * p.D + c) * N4 + j] = h; }
      }
    }
    if (live) {
      for (var k = 0u; k < K; k++) {
        let t = t0 + k;
        if (t < p.T) { y[(b * p.T + t) * p.D + c] = yk[k]; }
      }
    }
    workgroupBarrier(); // the carries, for the next tile
  }
}
