// Selective-scan backward, pass 1 of 2 (the walk: selective_scan_backward_walk.wgsl), summing across
// threads through workgroup memory, for any adapter: every RB steps, the lane parts of du and dΔ
// of each channel, and the dBt and dCt terms of the workgroup's channels.

//!include selective_scan_backward_walk

// Per step k of a block: sB, sC at k·WG + lid; sU, sD (lane parts of du, dΔ) at
// k·(WG/G)·(G+1) + ch·(G+1) + j, the odd stride keeping writes and sums conflict-free.
var<workgroup> sB: array<vec4<f32>, RB * WG>;
var<workgroup> sC: array<vec4<f32>, RB * WG>;
var<workgroup> sU: array<f32, RB * (WG / G) * (G + 1u)>;
var<workgroup> sD: array<f32, RB * (WG / G) * (G + 1u)>;

override CPW: u32 = WG / G; // channels per workgroup (derived; not set by the launch)
override STEP_FLOATS: u32 = CPW * (G + 1u);

/** Step t's terms (the k-th of its block) into workgroup memory; `valid` is unused here. */
fn keepStep(lid: u32, t: u32, valid: bool, k: u32, r: StepGrads) {
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
  walkChunks(wg, lid);
}
