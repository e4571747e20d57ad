// Selective-scan backward, pass 1 of 2: the reverse (adjoint) scan, fp32. The lanes' walk is in
// selective_scan_backward_lane. Here the sums over lanes (du, dΔ) and over this workgroup's channels
// (dBt, dCt) go through workgroup memory once every RB steps, in BUFS buffers: with 2, the next
// block writes the other buffer and a block takes one barrier; with 1, two barriers and half the
// memory. selective_scan_backward_subgroup does most of these sums with subgroup shuffles.

//!include selective_scan_backward_lane

override RB: u32 = 4u;
override BUFS: u32 = 1u;

// Per buffer k and step s: sB, sC at (k·RB + s)·WG + lid; sU, sD (lane parts of du, dΔ) at
// (k·RB + s)·(WG/G)·(G+1) + ch·(G+1) + j, the odd stride keeping writes and sums conflict-free.
var<workgroup> sB: array<vec4<f32>, BUFS * RB * WG>;
var<workgroup> sC: array<vec4<f32>, BUFS * RB * WG>;
var<workgroup> sU: array<f32, BUFS * RB * (WG / G) * (G + 1u)>;
var<workgroup> sD: array<f32, BUFS * RB * (WG / G) * (G + 1u)>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let cpw = WG / G;
  let stepFloats = cpw * (G + 1u);
  var buf = 0u;
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  for (var kk = nChunks; kk > 0u; kk--) {
    let start = (kk - 1u) * p.chunk;
    let len = min(p.chunk, p.T - start);
    recomputeChunk(kk, start, len);
    // Blocks of RB steps from the end of the MAX_CHUNK frame; steps at or past len are empty.
    for (var bi = 0u; bi < (MAX_CHUNK + RB - 1u) / RB; bi++) {
      let s1f = MAX_CHUNK - bi * RB;
      let s0 = select(0u, s1f - RB, s1f > RB);
      let s1 = max(s0, min(s1f, len));
      for (var s = s1f; s > s0; s--) {
        let r = adjointStep(start, s - 1u, len);
        let k = buf * RB + s - 1u - s0;
        sB[k * WG + lid] = r.gB;
        sC[k * WG + lid] = r.gC;
        if (ln.cw < cpw) { // threads past the last whole channel (WG % G) have no slot
          sU[k * stepFloats + ln.cw * (G + 1u) + ln.lane] = r.pu;
          sD[k * stepFloats + ln.cw * (G + 1u) + ln.lane] = r.pd;
        }
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
          storeLaneSums(ln.rowBase + start + s0 + s, cc, su, sd);
        }
      }
      // Output o = (step s, vec4 k of states): the sum over this workgroup's channels.
      for (var o = lid; o < steps * ln.n4; o += WG) {
        let s = o / ln.n4;
        let k = o % ln.n4;
        var accB = vec4<f32>(0.0);
        var accC = vec4<f32>(0.0);
        for (var ch = 0u; ch < cpw; ch++) {
          let v = (buf * RB + s) * WG + ch * G + k;
          accB += sB[v];
          accC += sC[v];
        }
        storeChannelSums(wg.x, ln.rowBase + start + s0 + s, k, accB, accC);
      }
      if (BUFS == 1u) {
        workgroupBarrier();
      } else {
        buf = 1u - buf;
      }
    }
  }
  laneEnd();
}
