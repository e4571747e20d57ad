// Mean cross-entropy over the rows whose target is not ignored, on the GPU: one workgroup sums
// the per-row losses and counts the counted rows in a fixed-order tree, and writes
// stats = [sum, count, mean] (mean 0 when count is 0), so the trainer reads back three floats,
// never the logits. With ACCUMULATE, sum and count add to the stats already there (evaluation
// over several batches); the backward must then not read these stats.

override ACCUMULATE: bool = false;

struct Params {
  rows: u32,
  ignoreIndex: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> perRow: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;

const WG = 256u;

var<workgroup> wSum: array<f32, WG>;
var<workgroup> wCount: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  var c = 0u;
  for (var r = lid; r < p.rows; r += WG) {
    // Ignored rows hold loss 0, so only the count needs the target.
    s += perRow[r];
    c += select(0u, 1u, targets[r] != p.ignoreIndex);
  }
  wSum[lid] = s;
  wCount[lid] = c;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      wSum[lid] += wSum[lid + stride];
      wCount[lid] += wCount[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var sum = wSum[0];
    var count = f32(wCount[0]);
    if (ACCUMULATE) {
      sum += stats[0];
      count += stats[1];
    }
    stats[0] = sum;
    stats[1] = count;
    stats[2] = select(0.0, sum / count, count > 0.0);
  }
}
