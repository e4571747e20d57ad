// Selective-scan backward, pass 1 of 2 (the walk: selective_scan_backward_walk.wgsl), summing across
// threads with subgroup shuffles where the adapter has them: a channel's G lanes add their du and
// dΔ parts among themselves (lane 0 writes the sums), and the SG/G channels of a subgroup add their
// dBt, dCt terms, so only one part per subgroup goes through workgroup memory. The launch builder
// picks it when G is a power of two no larger than SG, the adapter's smallest subgroup, and SG
// divides WG: a channel's lanes are then neighbours in one subgroup.

enable subgroups;

override SG: u32 = 32u;

//!include selective_scan_backward_walk

override GROUPS: u32 = WG / SG; // subgroups per workgroup (derived; not set by the launch)

// The subgroups' dBt, dCt sums of step k of a block: (k·GROUPS + subgroup)·G + lane.
var<workgroup> sB: array<vec4<f32>, RB * GROUPS * G>;
var<workgroup> sC: array<vec4<f32>, RB * GROUPS * G>;

/** Step t's terms (the k-th of its block): lane sums written out, subgroup sums kept. */
fn keepStep(lid: u32, t: u32, valid: bool, k: u32, r: StepGrads) {
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
  if (!valid) { return; }
  if (ln.live && ln.lane == 0u) { storeLaneSums(ln.rowBase + t, ln.c, pu, pd); }
  if (lid % SG < G) {
    let at = (k * GROUPS + lid / SG) * G + ln.lane;
    sB[at] = gB;
    sC[at] = gC;
  }
}

/** The block's dBt, dCt: the sums over this workgroup's subgroups, steps t0..t0+steps−1. */
fn sumBlock(wg: vec3<u32>, lid: u32, t0: u32, steps: u32) {
  for (var o = lid; o < steps * G; o += WG) {
    let s = o / G;
    let k = o % G;
    var accB = vec4<f32>(0.0);
    var accC = vec4<f32>(0.0);
    for (var sg = 0u; sg < GROUPS; sg++) {
      let at = (s * GROUPS + sg) * G + k;
      accB += sB[at];
      accC += sC[at];
    }
    storeChannelSums(wg.x, ln.rowBase + t0 + s, k, accB, accC);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  walkChunks(wg, lid);
}
