// C (+)= alpha · A · Bᵀ for a few rows of A (M ≤ 8): the one-token projections of generation.
// The tiled matmul would give such products a handful of workgroups walking K one tile at a
// time; here 32 lanes share each output's dot product (coalesced reads of B's row) and reduce it
// in workgroup memory (lane_sum), and 8 outputs share a workgroup. Overrides, Params and bindings
// are the tiled matmul's (matmul_operands; A plain and B transposed here, no split).

//!include matmul_operands

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
    var acc = 0.0;
    if (n < p.N) {
      let a = p.offA + m * p.lda;
      let b = p.offB + n * p.ldb;
      for (var k = lane; k < p.K; k += LANES) { acc = fma(A[a + k], B[b + k], acc); }
    }
    let sum = laneSum(lid, acc);
    if (lane == 0u && n < p.N) {
      let idx = p.offC + m * p.ldc + n;
      var v = p.alpha * sum;
      if (ACCUMULATE) { v += C[idx]; }
      C[idx] = v;
    }
  }
}
