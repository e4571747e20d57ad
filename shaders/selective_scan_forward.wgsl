// Selective-scan forward (Mamba-style SSM), fp32, for every sequence b and channel c:
//   h_t[c,n] = exp(Δ_t[c]·A[c,n])·h_{t-1}[c,n] + Δ_t[c]·Bt_t[n]·u_t[c],  A = -exp(A_log), h_{-1} = 0
//   y_t[c]   = Σ_n Ct_t[n]·h_t[c,n] + Dskip[c]·u_t[c]
// The lanes' walk is in selective_scan_forward_lane. Here each lane's part of y_t goes to
// workgroup memory; every RB steps one barrier lets the workgroup sum the lanes and write y for
// those steps, the parts double-buffered so that the next block's writes need no second barrier.
// selective_scan_forward_subgroup sums the lanes with subgroup shuffles instead.

//!include selective_scan_forward_lane

override RB: u32 = 16u;

// Lane j of channel ch at step s of buffer k: (k·RB + s)·(WG/G)·(G+1) + ch·(G+1) + j. The odd
// stride G+1 keeps both the writes (consecutive lanes) and the sums (consecutive channels) free of
// bank conflicts.
var<workgroup> ypart: array<f32, 2u * RB * (WG / G) * (G + 1u)>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  let cpw = WG / G;
  let stepFloats = cpw * (G + 1u);
  var buf = 0u;
  for (var t0 = 0u; t0 < p.T; t0 += RB) {
    let t1 = min(t0 + RB, p.T);
    for (var t = t0; t < t1; t++) {
      let part = laneStep(t);
      // Threads past the last whole channel (WG % G) have no slot.
      if (ln.cw < cpw) { ypart[(buf * RB + t - t0) * stepFloats + ln.cw * (G + 1u) + ln.lane] = part; }
    }
    workgroupBarrier();
    // Output o = (step s, channel ch): neighbouring threads write neighbouring channels.
    for (var o = lid; o < (t1 - t0) * cpw; o += WG) {
      let s = o / cpw;
      let ch = o % cpw;
      let cc = wg.x * cpw + ch;
      if (cc < p.D) {
        let at = (buf * RB + s) * stepFloats + ch * (G + 1u);
        var acc = 0.0;
        for (var j = 0u; j < G; j++) { acc += ypart[at + j]; }
        y[(ln.rowBase + t0 + s) * p.D + cc] = acc;
      }
    }
    buf = 1u - buf;
  }
  laneEnd();
}
