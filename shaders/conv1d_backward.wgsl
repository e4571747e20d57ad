// Causal depthwise conv1d backward, input gradient (overwritten):
//   dx_s[c] = Σ_{k<K} w[c, k] · dout_{s+K-1-k}[c], over outputs s+K-1-k < T of the same sequence.
// The weight and bias gradients are conv1d_backward_reduce + column_sum.
// The walk over time (conv1d_walk.wgsl) reads dout three rows ahead of the row it produces.

//!include conv1d_walk

@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;

// ahead0..ahead2: dout_{s+i} of the current row s, used only where s + i is in its sequence (later
// lanes may hold the next sequence's gradients).
var<private> ahead0: vec4<f32>;
var<private> ahead1: vec4<f32>;
var<private> ahead2: vec4<f32>;

// dout of `row`, clamped to the last row so that the load stays in bounds (a clamped row is past
// the end of the last sequence, where no tap reads it).
fn load(row: u32) -> vec4<f32> {
  return dout[min(row, p.rows - 1u) * p.D4 + j];
}

// dx of `row`, whose gradient three rows ahead is dNew; moves the window and t on by one row. The
// taps are added farthest first, each skipped where its output is past the sequence end.
fn produce(row: u32, dNew: vec4<f32>) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  for (var ahead = p.K - 1u; ahead >= 4u; ahead--) {
    if (t + ahead < p.T) { acc = fma(tap(ahead), dout[(row + ahead) * p.D4 + j], acc); }
  }
  acc = nearTaps(acc, ahead0, ahead1, ahead2, dNew, min(p.T - 1u - t, 3u));
  ahead0 = ahead1;
  ahead1 = ahead2;
  ahead2 = dNew;
  t = select(t + 1u, 0u, t + 1u == p.T);
  return acc;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  j = gid.x;
  if (j >= p.D4) { return; }
  let r = startBlock(gid.y);
  let r0 = r.x;
  let r1 = r.y;
  ahead0 = load(r0);
  ahead1 = load(r0 + 1u);
  ahead2 = load(r0 + 2u);
  var row = r0;
  for (; row + UNROLL <= r1; row += UNROLL) {
    let d0 = load(row + 3u);
    let d1 = load(row + 4u);
    let d2 = load(row + 5u);
    let d3 = load(row + 6u);
    let i = row * p.D4 + j;
    dx[i] = produce(row, d0);
    dx[i + p.D4] = produce(row + 1u, d1);
    dx[i + 2u * p.D4] = produce(row + 2u, d2);
    dx[i + 3u * p.D4] = produce(row + 3u, d3);
  }
  for (; row < r1; row++) {
    dx[row * p.D4 + j] = produce(row, load(row + 3u));
  }
}
