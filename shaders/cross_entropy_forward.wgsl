// Cross-entropy with softmax over the vocabulary, forward: one workgroup per row of logits
// (rows, V). Each thread keeps an online (max, Σexp) pair over a strided slice of the row, so the
// logits are read once; the pairs are merged in a fixed-order tree, so results are deterministic.
// Writes per row: loss = logsumexp − logit[target] (0 where target == ignoreIndex) into
// perRow[row] and logsumexp into perRow[rows + row] for the backward.

struct Params {
  rows: u32,
  V: u32,
  ignoreIndex: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> perRow: array<f32>;

const WG = 256u;
// The lowest finite f32: the identity of max that keeps exp(m − max) finite (WGSL has no -inf).
const LOWEST = -0x1.fffffep+127f;

var<workgroup> wMax: array<f32, WG>;
var<workgroup> wSum: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.y * nwg.x + wg.x;
  // Uniform per workgroup, so the early exit keeps every barrier below in uniform control flow.
  if (row >= p.rows) { return; }
  let base = row * p.V;

  var m = LOWEST;
  var s = 0.0;
  for (var j = lid; j < p.V; j += WG) {
    let x = logits[base + j];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  wMax[lid] = m;
  wSum[lid] = s;
  workgroupBarrier();

  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let m1 = wMax[lid];
      let m2 = wMax[lid + stride];
      let mm = max(m1, m2);
      wSum[lid] = wSum[lid] * exp(m1 - mm) + wSum[lid + stride] * exp(m2 - mm);
      wMax[lid] = mm;
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    let lse = wMax[0] + log(wSum[0]);
    let t = targets[row];
    var loss = 0.0;
    if (t != p.ignoreIndex) { loss = lse - logits[base + t]; }
    perRow[row] = loss;
    perRow[p.rows + row] = lse;
  }
}
