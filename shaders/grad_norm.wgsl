// Global gradient L2 norm and its clip scale, in two passes without readback.
// `partial`: a fixed grid of workgroups strides over the flat gradient (n floats); each writes the
// sum of squares of its elements to partials[wg]. `finalize`: one workgroup sums the partials and
// writes stats = [norm, clipScale] with clipScale = min(1, maxNorm / (norm + 1e-6)) (PyTorch's
// clip_grad_norm_; maxNorm ≤ 0 disables clipping). Both reductions use a fixed-order tree, so the
// norm is deterministic. Both entry points read `src` and write `dst`: grads → partials, then
// partials → stats.

struct Params {
  n: u32,
  numPartials: u32,
  maxNorm: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const WG = 256u;

var<workgroup> wSum: array<f32, WG>;

fn treeSum(lid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { wSum[lid] += wSum[lid + stride]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn partial(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = wg.x * WG + lid; i < p.n; i += p.numPartials * WG) {
    let g = src[i];
    s = fma(g, g, s);
  }
  wSum[lid] = s;
  treeSum(lid);
  if (lid == 0u) { dst[wg.x] = wSum[0]; }
}

@compute @workgroup_size(WG)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < p.numPartials; i += WG) { s += src[i]; }
  wSum[lid] = s;
  treeSum(lid);
  if (lid == 0u) {
    let norm = sqrt(wSum[0]);
    dst[0] = norm;
    dst[1] = select(1.0, min(1.0, p.maxNorm / (norm + 1e-6)), p.maxNorm > 0.0);
  }
}
