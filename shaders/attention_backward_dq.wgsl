// Causal attention backward, pass 1 of 2 (flash-attention-2 style): per query row, delta =
// rowsum(dout ⊙ out), then dq = scale · Σ_j ds_ij k_j with ds_ij = p_ij (dout_i·v_j − delta_i) and
// p_ij = exp(scale q_i·k_j − lse_i) recomputed from the forward's log-sum-exp. dq is overwritten;
// delta is written for pass 2 (attention_backward_dkv), which runs next.
// One workgroup per (block of BQ query rows, head, sequence), SPLIT threads per query row sharing
// the key and value tiles as in attention_forward, their parts of dq added at the end.

//!include attention_tiles

@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<vec4<f32>>;

@compute @workgroup_size(BQ * SPLIT)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let q0 = queryBlockStart(wg, groups);
  let qr = queryRow(wg, q0, lid);

  var x: array<vec4<f32>, MAX_DH4>;
  var dy: array<vec4<f32>, MAX_DH4>;
  var acc: array<vec4<f32>, MAX_DH4>;
  var di = 0.0;
  for (var u = 0u; u < DH4; u++) {
    x[u] = q[qr.row + u] * p.scale;
    dy[u] = dout[qr.row + u];
    di += dot(dy[u], out[qr.row + u]);
    acc[u] = vec4(0.0);
  }
  let stat = statRow(qr.b, qr.h, qr.t);
  let li = lse[stat];
  if (qr.part == 0u && q0 + qr.i < p.T) {
    delta[stat] = di;
  }

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
      let pr = exp(select(vec4(MASKED), dots4(&x, 0u, j) - li, key <= vec4(qr.t)));
      let ds = pr * (dots4(&dy, 1u, j) - di);
      fold4(&acc, 1.0, ds, 0u, j);
    }
  }

  for (var r = 1u; r < SPLIT; r++) {
    addParts(&acc, qr.part, qr.i, r);
  }
  if (qr.part == 0u && q0 + qr.i < p.T) {
    for (var u = 0u; u < DH4; u++) {
      dq[qr.row + u] = acc[u] * p.scale;
    }
  }
}
