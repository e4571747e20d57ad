// Included (//!include subgroup_affine_scan) by the warp selective-scan kernels, which enable
// subgroups and declare the override SG (the subgroup size). A linear recurrence h ↦ A·h + S
// (elementwise, 4 lanes of state in a vec4) over a run of steps composes to one such map; these scan
// the maps of a subgroup's invocations in lane order, so that each invocation learns the map of all
// steps before (scanUp) or after (scanDown) its own. Hillis–Steele: log2(SG) rounds of shuffles.

struct Affine {
  A: vec4<f32>,
  S: vec4<f32>,
}

/** The maps of lanes 0..lane−1 composed (lane 0: the identity). */
fn scanUpExclusive(m: Affine, lane: u32) -> Affine {
  var a = m.A;
  var s = m.S;
  for (var off = 1u; off < SG; off <<= 1u) {
    let ao = subgroupShuffleUp(a, off);
    let so = subgroupShuffleUp(s, off);
    // The earlier run (ao, so) first, then this one: A·(ao·h + so) + S.
    if (lane >= off) {
      s = a * so + s;
      a = a * ao;
    }
  }
  let ae = subgroupShuffleUp(a, 1u);
  let se = subgroupShuffleUp(s, 1u);
  if (lane == 0u) { return Affine(vec4<f32>(1.0), vec4<f32>(0.0)); }
  return Affine(ae, se);
}

/** The maps of lanes SG−1 down to lane+1 composed, in reverse step order (lane SG−1: identity). */
fn scanDownExclusive(m: Affine, lane: u32) -> Affine {
  var a = m.A;
  var s = m.S;
  for (var off = 1u; off < SG; off <<= 1u) {
    let ao = subgroupShuffleDown(a, off);
    let so = subgroupShuffleDown(s, off);
    if (lane + off < SG) {
      s = a * so + s;
      a = a * ao;
    }
  }
  let ae = subgroupShuffleDown(a, 1u);
  let se = subgroupShuffleDown(s, 1u);
  if (lane == SG - 1u) { return Affine(vec4<f32>(1.0), vec4<f32>(0.0)); }
  return Affine(ae, se);
}
