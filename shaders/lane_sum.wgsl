// Included (//!include lane_sum) by the kernels that give each output LANES consecutive threads of
// a WG-thread workgroup (the includer declares both consts); not a kernel itself.

var<workgroup> red: array<vec2<f32>, WG>;

// The sums of v over thread tid's group of LANES threads (a power of two) in a fixed-order tree,
// returned to every thread of the group: two sums for the price of one tree. Holds barriers, so
// call it from uniform control flow; the last one lets the next call reuse `red`.
fn laneSum2(tid: u32, v: vec2<f32>) -> vec2<f32> {
  red[tid] = v;
  workgroupBarrier();
  for (var st = LANES / 2u; st > 0u; st >>= 1u) {
    if (tid % LANES < st) { red[tid] += red[tid + st]; }
    workgroupBarrier();
  }
  let sum = red[tid - tid % LANES];
  workgroupBarrier();
  return sum;
}

fn laneSum(tid: u32, v: f32) -> f32 {
  return laneSum2(tid, vec2<f32>(v, 0.0)).x;
}
