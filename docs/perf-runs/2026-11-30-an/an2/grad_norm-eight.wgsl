// Gradient L2 norms, of the whole flat gradient and of each of its parts (the embedding, each
// block's SSM and attention halves, ...), and the clip scale, in two passes without readback.
// `partial`: workgroup w sums the squares of its chunk, elements ranges[w]..ranges[w+1] (chunks
// never straddle parts), into partials[w]. `finalize`: part g owns partials ranges[g]..ranges[g+1];
// thread t sums parts t, t + WG, ..., writes each part's norm to stats[2 + g], and the threads'
// totals meet in a tree: stats[0] = the global norm, stats[1] = clipScale = min(1, maxNorm /
// (norm + 1e-6)) (PyTorch's clip_grad_norm_; maxNorm ≤ 0 disables clipping). Every sum runs in a
// fixed order, so the norms are deterministic. Both entry points read `src` and write `dst`:
// grads → partials, then partials → stats; `ranges` is each pass's own table.

struct Params {
  count: u32, // chunks (partial) or parts (finalize)
  maxNorm: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> ranges: array<u32>;

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
  if (wg.x >= p.count) { return; }
  var s = 0.0;
  for (var i = ranges[wg.x] + lid; i < ranges[wg.x + 1u]; i += WG) {
    let g = src[i];
    s = fma(g, g, s);
  }
  wSum[lid] = s;
  treeSum(lid);
  if (lid == 0u) { dst[wg.x] = wSum[0]; }
}

@compute @workgroup_size(WG)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  var total = 0.0;
  for (var g = lid; g < p.count; g += WG) {
    // Four sums, so that four loads are in flight at a time (the embedding has about 100 chunks).
    var s = vec4<f32>(0.0);
    var t = vec4<f32>(0.0);
    let end = ranges[g + 1u];
    var i = ranges[g];
    for (; i + 7u < end; i += 8u) {
      s += vec4<f32>(src[i], src[i + 1u], src[i + 2u], src[i + 3u]);
      t += vec4<f32>(src[i + 4u], src[i + 5u], src[i + 6u], src[i + 7u]);
    }
    for (; i < end; i++) { s.x += src[i]; }
    s += t;
    let part = (s.x + s.y) + (s.z + s.w);
    dst[2u + g] = sqrt(part);
    total += part;
  }
  wSum[lid] = total;
  treeSum(lid);
  if (lid == 0u) {
    let norm = sqrt(wSum[0]);
    dst[0] = norm;
    dst[1] = select(1.0, min(1.0, p.maxNorm / (norm + 1e-6)), p.maxNorm > 0.0);
  }
}
