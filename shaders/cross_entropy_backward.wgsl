// Cross-entropy backward, IN PLACE: overwrites the logits (rows, V) with
// dlogits = (softmax − onehot(target)) · scale / count, zero for rows whose target is ignored.
// count comes from stats[1] written by loss_reduce (not accumulated) and scale = 1/accumSteps for
// gradient accumulation over micro-batches. The row's logsumexp comes from the forward (perRow),
// so the softmax is one exp per element. One workgroup per row; each element is read and written
// by the same thread, so working in place is safe.

struct Params {
  rows: u32,
  V: u32,
  ignoreIndex: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> perRow: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= p.rows) { return; }
  let base = row * p.V;
  let t = targets[row];
  let count = stats[1];
  // count is 0 only when every row is ignored, and then this row is too: the select avoids 0/0.
  let k = select(p.scale / count, 0.0, t == p.ignoreIndex || count == 0.0);
  let lse = perRow[p.rows + row];
  for (var j = lid; j < p.V; j += WG) {
    let prob = exp(logits[base + j] - lse);
    logits[base + j] = k * (prob - select(0.0, 1.0, j == t));
  }
}
