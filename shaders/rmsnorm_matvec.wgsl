// out[m, n] = Σ_k x̂[m, k]·W[n, k] with x̂ = RMSNorm(x[m]) ⊙ w, for a few rows (M ≤ 8): the
// pre-norm projections of generation's one-token steps (each block's in_proj.down and latent, and
// the head), fused so the normalised row is never written. 32 lanes share each output's dot
// product as in matvec.wgsl, and its lanes recompute the row's RMS on the way (K floats, cheap next
// to the weight row); one lane_sum tree sums both. W and w are read from the flat parameter buffer at offW and offNorm.
// RING also stores each output in the attention cache: row m's slot cursor[0] of a ring of
// ringStride floats per sequence, unless halt[0] is set (a stop token already ended the
// generation, see sample.wgsl), so steps run past the end leave the cache as it was.

override RING: bool = false;

struct Params {
  M: u32, N: u32, K: u32,
  offW: u32, offNorm: u32,
  eps: f32,
  ringStride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> ring: array<f32>;
@group(0) @binding(5) var<storage, read> cursor: array<u32>;
@group(0) @binding(6) var<storage, read> halt: array<u32>;

const WG = 256u;
const LANES = 32u;
const OUTS = 8u; // outputs per workgroup: WG / LANES

//!include lane_sum

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let n = (wg.y * nwg.x + wg.x) * OUTS + lid / LANES;
  let lane = lid % LANES;
  for (var m = 0u; m < p.M; m++) {
    // Each output's lanes also sum the row's squares as they read it: the RMS costs no pass of
    // its own and no extra barrier.
    var acc = 0.0;
    var ss = 0.0;
    if (n < p.N) {
      let a = m * p.K;
      let b = p.offW + n * p.K;
      for (var k = lane; k < p.K; k += LANES) {
        let v = x[a + k];
        ss = fma(v, v, ss);
        acc = fma(v * P[p.offNorm + k], P[b + k], acc);
      }
    }
    let sums = laneSum2(lid, vec2<f32>(acc, ss));
    if (lane == 0u && n < p.N) {
      let v = sums.x * inverseSqrt(sums.y / f32(p.K) + p.eps);
      out[m * p.N + n] = v;
      if (RING && halt[0] == 0u) { ring[m * p.ringStride + cursor[0] * p.N + n] = v; }
    }
  }
}
