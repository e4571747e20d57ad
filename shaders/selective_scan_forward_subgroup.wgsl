// Selective-scan forward, as selective_scan_forward but summing each channel's G lanes with
// subgroup shuffles: no workgroup memory and no barriers, so a multiprocessor holds as many
// workgroups as its registers allow. The launch builder picks it when the adapter has subgroups of
// at least G invocations (G a power of two); a channel's lanes are then neighbours in one subgroup.

enable subgroups;

//!include selective_scan_forward_lane

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  laneStart(wg, lid);
  for (var t = 0u; t < p.T; t++) {
    var part = laneStep(t);
    for (var m = 1u; m < G; m <<= 1u) { part += subgroupShuffleXor(part, m); }
    if (ln.live && ln.lane == 0u) { y[(ln.rowBase + t) * p.D + ln.c] = part; }
  }
  laneEnd();
}
