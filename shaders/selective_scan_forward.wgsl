// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The state never leaves the chip except at chunk boundaries: G lanes (threads) share a channel,
// lane j keeping the 4 states n = j + G·i (i < 4) in a vec4 register, so a workgroup of WG
// threads covers WG/G channels of one sequence. Each lane's part of y_t goes to workgroup memory;
// every RB steps one barrier lets the workgroup sum the lanes and write y for those steps.
// `states` is (nChunks, B, D, N): slot 0 the final state h_{T-1} (what prefill hands to the decode
// step), slot k ≥ 1 the state entering chunk k (what the backward restarts from).

override WG: u32 = 64u;
override G: u32 = 1u;
override RB: u32 = 16u;

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

//!include selective_scan_lanes

fn storeState(slot: u32, b: u32, c: u32, lane: u32, h: vec4<f32>) {
  let base = ((slot * p.B + b) * p.D + c) * p.N;
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { states[base + n] = h[i]; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cpw = WG / G;
  let cw = lid / G;
  let lane = lid % G;
  let b = wg.y;
  let c = wg.x * cpw + cw;
  let live = cw < cpw && c < p.D;

  var A = vec4<f32>(0.0);
  if (live) {
    for (var i = 0u; i < 4u; i++) {
      let n = lane + G * i;
      if (n < p.N) { A[i] = -exp(ALog[c * p.N + n]); }
    }
  }

  var h = vec4<f32>(0.0);
  for (var t0 = 0u; t0 < p.T; t0 += RB) {
    let t1 = min(t0 + RB, p.T);
    for (var t = t0; t < t1; t++) {
      var part = 0.0;
      if (live) {
        let row = b * p.T + t;
        let dt = delta[row * p.D + c];
        h = exp(dt * A) * h + (dt * u[row * p.D + c]) * loadBt(row, lane);
        part = dot(loadCt(row, lane), h);
        if ((t + 1u) % p.chunk == 0u && t + 1u < p.T) {
          storeState((t + 1u) / p.chunk, b, c, lane, h);
        }
      }
      ypart[(t - t0) * WG + lid] = part;
    }
    workgroupBarrier();
    // Output o = (step s, channel ch): neighbouring threads write neighbouring channels.
    for (var o = lid; o < (t1 - t0) * cpw; o += WG) {
      let s = o / cpw;
      let ch = o % cpw;
      let cc = wg.x * cpw + ch;
      if (cc < p.D) {
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[s * WG + ch * G + j]; }
        let idx = (b * p.T + t0 + s) * p.D + cc;
        y[idx] = acc + Dskip[cc] * u[idx];
      }
    }
    workgroupBarrier();
  }
  if (live) { storeState(0u, b, c, lane, h); }
}
