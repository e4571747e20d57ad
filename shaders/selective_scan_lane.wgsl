// Included (//!include selective_scan_lane) by both selective-scan kernels, which declare the
// overrides WG (threads per workgroup) and G (lanes, i.e. threads, per channel group) and Params
// with B, T, D, N: where a thread sits. A thread holds CH (1..4) channels × 4 states: lane j of
// channel group w keeps states n = 4j..4j+3 of channels CH·w..CH·w+CH−1. A step's sums over the
// thread's channels (dBt, dCt) and over its states (y, du, dΔ) so start in registers, and only
// one value per (thread, state or channel) crosses threads. Workgroup (x, y) covers channel
// groups x·WG/G.. of sequence y. Channels past D read their inputs as 0: their states stay 0 and
// add nothing to any sum. Per-channel values sit in vec4s and arrays of MAX_CH; the loops over
// i < CH unroll once the pipeline fixes CH.

override CH: u32 = 4u;
const MAX_CH = 4u;

struct Lane {
  b: u32,
  c0: u32, // the first of this thread's CH channels
  lane: u32,
  cw: u32, // channel group within the workgroup
  live: bool, // a group below D (threads past WG/G·G and groups past D idle)
  mask: vec4<f32>, // 1 for each of the CH channels below D, else 0 (and 0 past CH)
  n4: u32, // N / 4: vec4s of states per channel
  rowBase: u32, // row of this sequence's step 0 in (B·T) order
}

var<private> ln: Lane;

fn placeLane(wg: vec3<u32>, lid: u32) {
  let cpw = WG / G;
  ln.cw = lid / G;
  ln.lane = lid % G;
  ln.b = wg.y;
  ln.c0 = (wg.x * cpw + ln.cw) * CH;
  ln.live = ln.cw < cpw && ln.c0 < p.D;
  let i = vec4<u32>(0u, 1u, 2u, 3u);
  ln.mask = select(vec4<f32>(0.0), vec4<f32>(1.0), (ln.c0 + i < vec4<u32>(p.D)) & (i < vec4<u32>(CH)));
  ln.n4 = p.N / 4u;
  ln.rowBase = ln.b * p.T;
}

/** The thread's CH channels (of 4 slots), clamped below D: where its per-channel parameters sit. */
fn channelIndices() -> vec4<u32> {
  return min(ln.c0 + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.D - 1u));
}
