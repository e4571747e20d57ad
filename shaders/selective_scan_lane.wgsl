// Included (//!include selective_scan_lane) by both selective-scan kernels, which declare the
// overrides WG (threads per workgroup) and G (lanes, i.e. threads, per channel) and Params with B,
// T, D, N: where a thread sits. Workgroup (x, y) covers channels x·WG/G.. of sequence y.

struct Lane {
  b: u32,
  c: u32,
  lane: u32,
  cw: u32, // channel within the workgroup
  live: bool, // a whole channel below D (threads past WG/G·G and channels past D idle)
  n4: u32, // N / 4: vec4s of states per channel
  rowBase: u32, // row of this sequence's step 0 in (B·T) order
}

var<private> ln: Lane;

fn placeLane(wg: vec3<u32>, lid: u32) {
  let cpw = WG / G;
  ln.cw = lid / G;
  ln.lane = lid % G;
  ln.b = wg.y;
  ln.c = wg.x * cpw + ln.cw;
  ln.live = ln.cw < cpw && ln.c < p.D;
  ln.n4 = p.N / 4u;
  ln.rowBase = ln.b * p.T;
}
