// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The state never leaves the chip except at chunk boundaries: G lanes (threads) share a channel,
// lane j keeping the 4 states n = j + G·i (i < 4) in a vec4 register, so a workgroup of WG
// threads covers CPW = WG/G channels of one sequence. The walk over T is sequential, so each step's
// latency is what counts: the workgroup stages the inputs of RB steps (Δ and u of its channels,
// Bt and Ct) in workgroup memory with one round of independent loads, then runs the RB steps from
// there. Each lane's part of y_t goes to workgroup memory too, and after the RB steps the workgroup
// sums the lanes and writes y for them.
// `states` is (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill hands to the decode
// step), slot k ≥ 1 the state entering chunk k (what the backward restarts from).

override WG: u32 = 64u;
override G: u32 = 1u;
override RB: u32 = 8u;
override CPW: u32 = 64u; // WG / G

struct Params { B: u32, T: u32, D: u32, N: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> delta: array<f32>;
@group(0) @binding(3) var<storage, read> ALog: array<f32>;
@group(0) @binding(4) var<storage, read> Bt: array<f32>;
@group(0) @binding(5) var<storage, read> Ct: array<f32>;
@group(0) @binding(6) var<storage, read> Dskip: array<f32>;
@group(0) @binding(7) var<storage, read_write> y: array<f32>;
@group(0) @binding(8) var<storage, read_write> states: array<f32>;

var<workgroup> ypart: array<f32, RB * WG>;
var<workgroup> sDt: array<f32, RB * CPW>;
var<workgroup> sU: array<f32, RB * CPW>;
var<workgroup> sB: array<f32, RB * 4u * G>; // RB rows of N ≤ 4G
var<workgroup> sC: array<f32, RB * 4u * G>;

fn storeState(slot: u32, b: u32, c: u32, lane: u32, h: vec4<f32>) {
  let base = ((slot * p.B + b) * p.D + c) * p.N;
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { states[base + n] = h[i]; }
  }
}

// Row s of the staged Bt or Ct at this lane's states (past N: 0).
fn stagedB(s: u32, lane: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { v[i] = sB[s * p.N + n]; }
  }
  return v;
}

fn stagedC(s: u32, lane: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { v[i] = sC[s * p.N + n]; }
  }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cw = lid / G;
  let lane = lid % G;
  let b = wg.y;
  let c0 = wg.x * CPW;
  let c = c0 + cw;
  let live = cw < CPW && c < p.D;

  var A = vec4<f32>(0.0);
  if (live) {
    for (var i = 0u; i < 4u; i++) {
      let n = lane + G * i;
      if (n < p.N) { A[i] = -exp(ALog[c * p.N + n]); }
    }
  }

  var h = vec4<f32>(0.0);
  for (var t0 = 0u; t0 < p.T; t0 += RB) {
    let steps = min(RB, p.T - t0);
    let row0 = b * p.T + t0;
    for (var i = lid; i < steps * CPW; i += WG) {
      let cc = c0 + i % CPW;
      let idx = (row0 + i / CPW) * p.D + cc;
      var dt = 0.0;
      var ut = 0.0;
      if (cc < p.D) {
        dt = delta[idx];
        ut = u[idx];
      }
      sDt[i] = dt;
      sU[i] = ut;
    }
    for (var i = lid; i < steps * p.N; i += WG) {
      sB[i] = Bt[row0 * p.N + i];
      sC[i] = Ct[row0 * p.N + i];
    }
    workgroupBarrier();
    for (var s = 0u; s < steps; s++) {
      var part = 0.0;
      if (live) {
        let dt = sDt[s * CPW + cw];
        h = exp(dt * A) * h + (dt * sU[s * CPW + cw]) * stagedB(s, lane);
        part = dot(stagedC(s, lane), h);
        let t = t0 + s;
        if ((t + 1u) % p.chunk == 0u && t + 1u < p.T) {
          storeState((t + 1u) / p.chunk, b, c, lane, h);
        }
      }
      ypart[s * WG + lid] = part;
    }
    workgroupBarrier();
    // Output o = (step s, channel ch): neighbouring threads write neighbouring channels.
    for (var o = lid; o < steps * CPW; o += WG) {
      let s = o / CPW;
      let ch = o % CPW;
      let cc = c0 + ch;
      if (cc < p.D) {
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[s * WG + ch * G + j]; }
        y[(row0 + s) * p.D + cc] = acc + Dskip[cc] * sU[o];
      }
    }
    workgroupBarrier();
  }
  if (live) { storeState(0u, b, c, lane, h); }
}
