// out[m, n] = Σ_k u[m, k]·W[n, k] with u = silu(conv) of the token's u0 after the conv state: the
// SSM's x_proj in generation's one-token steps, with the conv step fused in front (conv_silu_step)
// so u is never written. The state is only read here: selective_scan_step.wgsl, which runs next,
// computes the same u and advances the state. u0 is row m of a buffer with row stride ldu (the
// in_proj output [u0 | z]); W, the conv weight and bias are in the flat parameter buffer P.

struct Params {
  M: u32, N: u32, D: u32, KC: u32,
  offW: u32, offConvW: u32, offConvB: u32,
  ldu: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u0: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
@group(0) @binding(3) var<storage, read> convState: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

//!include conv_silu_step

const WG = 256u;
const LANES = 32u;
const OUTS = 8u; // outputs per workgroup: WG / LANES
const MAX_D = 1024u;
var<workgroup> u: array<f32, MAX_D>;

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
    for (var c = lid; c < p.D; c += WG) { u[c] = convSilu(m, c, u0[m * p.ldu + c]); }
    workgroupBarrier();
    var acc = 0.0;
    if (n < p.N) {
      let b = p.offW + n * p.D;
      for (var k = lane; k < p.D; k += LANES) { acc = fma(u[k], P[b + k], acc); }
    }
    // laneSum's barriers also keep the next row's u from overwriting this one too early.
    let sum = laneSum(lid, acc);
    if (lane == 0u && n < p.N) { out[m * p.N + n] = sum; }
  }
}
