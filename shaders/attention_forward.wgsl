// Causal multi-head softmax attention, forward (flash-attention style): out = softmax(q kᵀ·scale +
// causal mask) v per sequence and head, with the row's log-sum-exp saved for the backward.
// One workgroup per (block of BQ query rows, head, sequence), one thread per query row (see
// attention_tiles.wgsl). Key and value tiles are folded into the row's running (max, sum, output)
// four keys at a time, so the T×T score matrix never leaves registers.
// lse is (B, H, T).

//!include attention_tiles

@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(BQ)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) i: u32,
) {
  let b = wg.z;
  let h = wg.y;
  // Later query blocks see more keys: they start first, so the short ones fill the tail.
  let q0 = (groups.x - 1u - wg.x) * BQ;
  // Rows past the end compute on the last row and are not stored; barriers stay uniform.
  let t = min(q0 + i, p.T - 1u);
  let row = headRow(b, t, h);

  var x: array<vec4<f32>, MAX_DH4>;
  var acc: array<vec4<f32>, MAX_DH4>;
  for (var u = 0u; u < DH4; u++) {
    x[u] = q[row + u] * p.scale;
    acc[u] = vec4(0.0);
  }
  var m = MASKED;
  var l = 0.0;
  let kEnd = min(p.T, q0 + BQ);
  for (var k0 = 0u; k0 < kEnd; k0 += BK) {
    workgroupBarrier();
    for (var e = i; e < BK * DH4; e += BQ) {
      let g = tileSource(e, k0, b, h);
      staged[e] = k[g];
      staged[BK * DH4 + e] = v[g];
    }
    workgroupBarrier();
    // Key 0 comes first and every row sees it, so m is a real score before any masked one.
    for (var j = 0u; j < BK; j += 4u) {
      let key = vec4(k0 + j) + vec4(0u, 1u, 2u, 3u);
      let s = select(vec4(MASKED), dots4(&x, 0u, j), key <= vec4(t));
      let mt = max(m, max(max(s.x, s.y), max(s.z, s.w)));
      let keep = exp(m - mt);
      let pr = exp(s - mt);
      l = l * keep + (pr.x + pr.y + pr.z + pr.w);
      fold4(&acc, keep, pr, 1u, j);
      m = mt;
    }
  }

  if (q0 + i < p.T) {
    let inv = 1.0 / l;
    for (var u = 0u; u < DH4; u++) {
      out[row + u] = acc[u] * inv;
    }
    lse[statRow(b, h, t)] = m + log(l);
  }
}
