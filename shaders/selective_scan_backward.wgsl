// Selective-scan backward, pass 1 of 2: the reverse (adjoint) scan, fp32. Same mapping as the
// forward with one vec4 per lane: G lanes per channel, lane j holding states n = 4j + i of channel
// c. Chunks run last to first. Each chunk's states are recomputed forward from the boundary state
// the forward kept (never by inverting exp(Δ·A), which is unstable) into a per-thread array, then
// the adjoint g_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·g_{t+1} runs backwards through them:
//   du_t    = Σ_n g_t·Δ_t·Bt_t                    (+ Dskip·dy_t, added by pass 2)
//   dΔ_t    = Σ_n g_t·(A·exp(Δ_t·A)·h_{t-1} + Bt_t·u_t)
//   dBt_t   = Σ_c g_t·Δ_t·u_t,  dCt_t = Σ_c dy_t·h_t
//   dA[c,n] = Σ_t g_t·Δ_t·exp(Δ_t·A)·h_{t-1}    (dA_log = dA·A, applied by pass 2)
// Sums over lanes (du, dΔ) and over this workgroup's channels (dBt, dCt) go through workgroup
// memory once every RB steps, double-buffered so that a block takes one barrier; the sums over
// workgroups (dBt, dCt) and over sequences (dA) are partial sums in `scratch`, finished without
// atomics by selective_scan_backward_reduce.
// scratch (floats): [du core: rows·D][dΔ: rows·D][dBt parts: groupsD·rows·N]
//                   [dCt parts: groupsD·rows·N][dA parts: B·D·N][dDskip parts: B·D]

override WG: u32 = 64u;
override G: u32 = 1u;
override RB: u32 = 4u;

// Longest chunk the per-thread state array holds (the launch builder checks it). Both walks over
// a chunk run a constant MAX_CHUNK steps (past the chunk's length they do nothing), so that the
// compiler can unroll them and index the state array with constants: registers instead of the
// thread's local memory.
const MAX_CHUNK = 16u;
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

// Per buffer k and step s: sB, sC at (k·RB + s)·WG + lid; sU, sD (lane parts of du, dΔ) at
// (k·RB + s)·(WG/G)·(G+1) + ch·(G+1) + j, the odd stride keeping writes and sums conflict-free.
var<workgroup> sB: array<vec4<f32>, 2u * RB * WG>;
var<workgroup> sC: array<vec4<f32>, 2u * RB * WG>;
var<workgroup> sU: array<f32, 2u * RB * (WG / G) * (G + 1u)>;
var<workgroup> sD: array<f32, 2u * RB * (WG / G) * (G + 1u)>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cpw = WG / G;
  let cw = lid / G;
  let lane = lid % G;
  let b = wg.y;
  let c = wg.x * cpw + cw;
  let n4 = p.N / 4u;
  let live = cw < cpw && c < p.D && lane < n4;
  let rows = p.B * p.T;
  let offB = 2u * rows * p.D;
  let offC = offB + p.groupsD * rows * p.N;
  let offA = offC + p.groupsD * rows * p.N;
  let stepFloats = cpw * (G + 1u);

  // A·log2(e): exp(Δ·A) = exp2(Δ·A2), and A·x = A2·x / log2(e).
  var A2 = vec4<f32>(0.0);
  if (live) { A2 = -exp(ALog[c * n4 + lane]) * LOG2E; }

  var carry = vec4<f32>(0.0); // exp(Δ_{t+1}·A)·g_{t+1}: the adjoint flowing into step t
  var dA = vec4<f32>(0.0);
  var dDskip = 0.0; // Σ_t dy·u of this channel and sequence
  var hs: array<vec4<f32>, MAX_CHUNK>;
  var buf = 0u;
  let rowBase = b * p.T;
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  for (var kk = nChunks; kk > 0u; kk--) {
    let start = (kk - 1u) * p.chunk;
    let len = min(p.chunk, p.T - start);
    var h0 = vec4<f32>(0.0);
    if (live) {
      if (kk > 1u) { h0 = states[(((kk - 1u) * p.B + b) * p.D + c) * n4 + lane]; }
      var h = h0;
      for (var s = 0u; s < MAX_CHUNK; s++) {
        if (s < len) {
          let row = rowBase + start + s;
          let dt = delta[row * p.D + c];
          h = exp2(dt * A2) * h + (dt * u[row * p.D + c]) * Bt[row * n4 + lane];
          hs[s] = h;
        }
      }
    }

    // Blocks of RB steps from the end of the MAX_CHUNK frame; steps at or past len are empty.
    for (var bi = 0u; bi < (MAX_CHUNK + RB - 1u) / RB; bi++) {
      let s1f = MAX_CHUNK - bi * RB;
      let s0 = select(0u, s1f - RB, s1f > RB);
      let s1 = max(s0, min(s1f, len));
      for (var s = s1f; s > s0; s--) {
        let sl = s - 1u;
        var gB = vec4<f32>(0.0);
        var gC = vec4<f32>(0.0);
        var pu = 0.0;
        var pd = 0.0;
        if (live && sl < len) {
          let row = rowBase + start + sl;
          let idx = row * p.D + c;
          let dt = delta[idx];
          let ut = u[idx];
          let dyt = dy[idx];
          let bt = Bt[row * n4 + lane];
          let a = exp2(dt * A2);
          var hPrev = h0;
          if (sl > 0u) { hPrev = hs[sl - 1u]; }
          let g = dyt * Ct[row * n4 + lane] + carry;
          gB = g * (dt * ut);
          gC = dyt * hs[sl];
          let gb = dot(g, bt);
          pu = dt * gb;
          let ah = a * hPrev;
          let gah = g * ah;
          pd = dot(gah, A2) * (1.0 / LOG2E) + ut * gb;
          dA += dt * gah;
          dDskip += dyt * ut;
          carry = a * g;
        }
        let k = buf * RB + sl - s0;
        sB[k * WG + lid] = gB;
        sC[k * WG + lid] = gC;
        sU[k * stepFloats + cw * (G + 1u) + lane] = pu;
        sD[k * stepFloats + cw * (G + 1u) + lane] = pd;
      }
      workgroupBarrier();
      let steps = s1 - s0;
      for (var o = lid; o < steps * cpw; o += WG) {
        let s = o / cpw;
        let ch = o % cpw;
        let cc = wg.x * cpw + ch;
        if (cc < p.D) {
          let at = (buf * RB + s) * stepFloats + ch * (G + 1u);
          var su = 0.0;
          var sd = 0.0;
          for (var j = 0u; j < G; j++) {
            su += sU[at + j];
            sd += sD[at + j];
          }
          let idx = (rowBase + start + s0 + s) * p.D + cc;
          scratch[idx] = su;
          scratch[rows * p.D + idx] = sd;
        }
      }
      // Output o = (step s, vec4 k of states): the sum over this workgroup's channels.
      for (var o = lid; o < steps * n4; o += WG) {
        let s = o / n4;
        let k = o % n4;
        var accB = vec4<f32>(0.0);
        var accC = vec4<f32>(0.0);
        for (var ch = 0u; ch < cpw; ch++) {
          let v = (buf * RB + s) * WG + ch * G + k;
          accB += sB[v];
          accC += sC[v];
        }
        let part = ((wg.x * rows + rowBase + start + s0 + s) * n4 + k) * 4u;
        for (var i = 0u; i < 4u; i++) {
          scratch[offB + part + i] = accB[i];
          scratch[offC + part + i] = accC[i];
        }
      }
      buf = 1u - buf;
    }
  }

  if (live) {
    for (var i = 0u; i < 4u; i++) {
      scratch[offA + ((b * p.D + c) * n4 + lane) * 4u + i] = dA[i];
    }
    if (lane == 0u) { scratch[offA + p.B * p.D * p.N + b * p.D + c] = dDskip; }
  }
}
