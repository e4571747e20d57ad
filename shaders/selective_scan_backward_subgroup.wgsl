// Selective-scan backward, pass 1 of 2, as selective_scan_backward but with subgroup shuffles: a
// channel's G lanes sum du and dΔ among themselves (lane 0 writes them), and the SG/G channels of a
// subgroup sum their dBt, dCt terms, so only one partial per subgroup goes through workgroup
// memory. The launch builder picks it when the adapter's subgroups hold at least SG invocations
// (G a power of two, G ≤ SG, SG dividing WG); a channel's lanes are then neighbours in a subgroup.

enable subgroups;

//!include selective_scan_backward_lane

override RB: u32 = 4u;
override BUFS: u32 = 1u;
override SG: u32 = 32u;

// The subgroups' dBt, dCt sums, per buffer k and step s: ((k·RB + s)·(WG/SG) + subgroup)·G + lane.
var<workgroup> sB: array<vec4<f32>, BUFS * RB * (WG / SG) * G>;
var<workgroup> sC: array<vec4<f32>, BUFS * RB * (WG / SG) * G>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let groups = WG / SG;
  var buf = 0u;
  let nChunks = (p.T + p.chunk - 1u) / p.chunk;
  for (var kk = nChunks; kk > 0u; kk--) {
    let start = (kk - 1u) * p.chunk;
    let len = min(p.chunk, p.T - start);
    recomputeChunk(kk, start, len);
    for (var bi = 0u; bi < (MAX_CHUNK + RB - 1u) / RB; bi++) {
      let s1f = MAX_CHUNK - bi * RB;
      let s0 = select(0u, s1f - RB, s1f > RB);
      let s1 = max(s0, min(s1f, len));
      for (var s = s1f; s > s0; s--) {
        let sl = s - 1u;
        let r = adjointStep(start, sl, len);
        var pu = r.pu;
        var pd = r.pd;
        for (var m = 1u; m < G; m <<= 1u) {
          pu += subgroupShuffleXor(pu, m);
          pd += subgroupShuffleXor(pd, m);
        }
        var gB = r.gB;
        var gC = r.gC;
        for (var m = G; m < SG; m <<= 1u) {
          gB += subgroupShuffleXor(gB, m);
          gC += subgroupShuffleXor(gC, m);
        }
        if (sl < len) {
          if (ln.live && ln.lane == 0u) { storeLaneSums(ln.rowBase + start + sl, ln.c, pu, pd); }
          if (lid % SG < G) {
            let at = ((buf * RB + sl - s0) * groups + lid / SG) * G + ln.lane;
            sB[at] = gB;
            sC[at] = gC;
          }
        }
      }
      workgroupBarrier();
      // Output o = (step s, vec4 k of states): the sum over this workgroup's subgroups.
      for (var o = lid; o < (s1 - s0) * G; o += WG) {
        let s = o / G;
        let k = o % G;
        var accB = vec4<f32>(0.0);
        var accC = vec4<f32>(0.0);
        for (var sg = 0u; sg < groups; sg++) {
          let at = ((buf * RB + s) * groups + sg) * G + k;
          accB += sB[at];
          accC += sC[at];
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
