// Causal multi-head softmax attention, forward (flash-attention style): out = softmax(q kᵀ·scale +
// causal mask) v per sequence and head, with the row's log-sum-exp saved for the backward.
// One workgroup per (block of BQ query rows, head, sequence), SPLIT threads per query row (see
// attention_tiles.wgsl). Each thread folds its share of the key and value tiles into a running
// (max, sum, output) four keys at a time, so the T×T score matrix never leaves registers; the
// row's threads then rescale their parts to the row's max and add them.
// lse is (B, H, T).

//!include attention_tiles

@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

// Each thread's max, then its sum, for its row's other threads.
var<workgroup> partStat: array<f32, BQ * SPLIT>;

@compute @workgroup_size(BQ * SPLIT)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let q0 = queryBlockStart(wg, groups);
  let qr = queryRow(wg, q0, lid);

  var x: array<vec4<f32>, MAX_DH4>;
  var acc: array<vec4<f32>, MAX_DH4>;
  for (var u = 0u; u < DH4; u++) {
    x[u] = q[qr.row + u] * p.scale;
    acc[u] = vec4(0.0);
  }
  var m = MASKED;
  var l = 0.0;
  let kEnd = min(p.T, q0 + BQ);
  for (var k0 = 0u; k0 < kEnd; k0 += BK) {
    workgroupBarrier();
    for (var e = lid; e < BK * DH4; e += BQ * SPLIT) {
      let g = tileSource(e, k0, qr.b, qr.h);
      staged[e] = k[g];
      staged[BK * DH4 + e] = v[g];
    }
    workgroupBarrier();
    for (var j = 4u * qr.part; j < BK; j += 4u * SPLIT) {
      let key = vec4(k0 + j) + vec4(0u, 1u, 2u, 3u);
      let seen = key <= vec4(qr.t);
      let s = select(vec4(MASKED), dots4(&x, 0u, j), seen);
      let mt = max(m, max(max(s.x, s.y), max(s.z, s.w)));
      let keep = exp(m - mt);
      // Masked after the exp: a part may not have seen a key yet (mt still MASKED).
      let pr = select(vec4(0.0), exp(s - mt), seen);
      l = l * keep + (pr.x + pr.y + pr.z + pr.w);
      fold4(&acc, keep, pr, 1u, j);
      m = mt;
    }
  }

  // The row's max over its parts, each part's sum and output rescaled to it, then added.
  partStat[lid] = m;
  workgroupBarrier();
  var rowMax = m;
  for (var r = 0u; r < SPLIT; r++) {
    rowMax = max(rowMax, partStat[r * BQ + qr.i]);
  }
  let keep = exp(m - rowMax);
  for (var u = 0u; u < DH4; u++) {
    acc[u] *= keep;
  }
  workgroupBarrier();
  partStat[lid] = l * keep;
  workgroupBarrier();
  var rowSum = 0.0;
  for (var r = 0u; r < SPLIT; r++) {
    rowSum += partStat[r * BQ + qr.i];
  }
  for (var r = 1u; r < SPLIT; r++) {
    addParts(&acc, qr.part, qr.i, r);
  }

  if (qr.part == 0u && q0 + qr.i < p.T) {
    let inv = 1.0 / rowSum;
    for (var u = 0u; u < DH4; u++) {
      out[qr.row + u] = acc[u] * inv;
    }
    lse[statRow(qr.b, qr.h, qr.t)] = rowMax + log(rowSum);
  }
}
