// Causal attention backward, pass 2 of 2 (flash-attention-2 style): per key row j,
// dv_j = Σ_i p_ij dout_i and dk_j = scale · Σ_i ds_ij q_i over the queries i ≥ j, with p and
// ds = p (dout_i·v_j − delta_i) recomputed from lse and the delta written by pass 1. dk and dv are
// overwritten; each key row belongs to one thread, so no atomics are needed.
// One workgroup per (block of BQ key rows, head, sequence), SPLIT threads per key row (see
// attention_tiles.wgsl) sharing tiles of BK queries and their output gradients, staged in turn;
// their parts of dk and dv are added at the end.

//!include attention_tiles

@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;

// The staged queries' lse and delta.
var<workgroup> Ls: array<f32, BK>;
var<workgroup> Dl: array<f32, BK>;

@compute @workgroup_size(BQ * SPLIT)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wg.z;
  let h = wg.y;
  let i = lid % BQ;
  let part = lid / BQ;
  // The first key blocks see the most queries, and they start first as numbered.
  let j0 = wg.x * BQ;
  let tj = min(j0 + i, p.T - 1u);
  let row = headRow(b, tj, h);

  var kr: array<vec4<f32>, MAX_DH4>;
  var vr: array<vec4<f32>, MAX_DH4>;
  var dkAcc: array<vec4<f32>, MAX_DH4>;
  var dvAcc: array<vec4<f32>, MAX_DH4>;
  for (var u = 0u; u < DH4; u++) {
    kr[u] = k[row + u] * p.scale;
    vr[u] = v[row + u];
    dkAcc[u] = vec4(0.0);
    dvAcc[u] = vec4(0.0);
  }

  // Query tiles start at the block's first key: earlier queries see none of its keys.
  for (var i0 = j0; i0 < p.T; i0 += BK) {
    workgroupBarrier();
    for (var e = lid; e < BK * DH4; e += BQ * SPLIT) {
      let g = tileSource(e, i0, b, h);
      staged[e] = q[g];
      staged[BK * DH4 + e] = dout[g];
    }
    for (var w = lid; w < BK; w += BQ * SPLIT) {
      let r = statRow(b, h, min(i0 + w, p.T - 1u));
      Ls[w] = lse[r];
      Dl[w] = delta[r];
    }
    workgroupBarrier();
    for (var w = 4u * part; w < BK; w += 4u * SPLIT) {
      let query = vec4(i0 + w) + vec4(0u, 1u, 2u, 3u);
      let seen = (query >= vec4(tj)) & (query < vec4(p.T));
      let ls = vec4(Ls[w], Ls[w + 1u], Ls[w + 2u], Ls[w + 3u]);
      let dl = vec4(Dl[w], Dl[w + 1u], Dl[w + 2u], Dl[w + 3u]);
      let pr = exp(select(vec4(MASKED), dots4(&kr, 0u, w) - ls, seen));
      let ds = pr * (dots4(&vr, 1u, w) - dl);
      fold4(&dvAcc, 1.0, pr, 1u, w);
      fold4(&dkAcc, 1.0, ds, 0u, w);
    }
  }

  for (var r = 1u; r < SPLIT; r++) {
    addParts(&dkAcc, part, i, r);
    addParts(&dvAcc, part, i, r);
  }
  if (part == 0u && j0 + i < p.T) {
    for (var u = 0u; u < DH4; u++) {
      dk[row + u] = dkAcc[u] * p.scale;
      dv[row + u] = dvAcc[u];
    }
  }
}
