// Causal depthwise conv1d over time with bias (PyTorch Conv1d(D, D, K, groups=D, padding=K-1),
// output cut to T): out_t[c] = b[c] + Σ_{k<K} w[c, k] · x_{t-K+1+k}[c], zero before t = 0 of each
// sequence. Rows are b·T + t; w is (D, 1, K), i.e. w[c·K + k].
// It also writes act = silu(out) (the SSM's u = silu(conv(u))), saving a pass; `out` keeps the
// pre-activation that silu's backward needs.
// The walk over time: conv1d_walk.wgsl.

//!include conv1d_walk

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> act: array<vec4<f32>>;

var<private> bias: vec4<f32>;
// win1..win3: x_{t-i} of the current row, used only where i ≤ t (older lanes hold other
// sequences' inputs or are unset).
var<private> win1: vec4<f32>;
var<private> win2: vec4<f32>;
var<private> win3: vec4<f32>;

//!include sigmoid

// Sets up the walk over block g; returns its rows [r0, r1).
fn start(g: u32) -> vec2<u32> {
  let r = startBlock(g);
  let r0 = r.x;
  let c = 4u * j;
  bias = vec4<f32>(b[c], b[c + 1u], b[c + 2u], b[c + 3u]);
  // The window at the row before the block (its oldest lane is shifted out unread); rows before
  // the sequence start are clamped to it, in bounds and never used.
  win1 = x[(r0 - min(1u, t)) * p.D4 + j];
  win2 = x[(r0 - min(2u, t)) * p.D4 + j];
  win3 = x[(r0 - min(3u, t)) * p.D4 + j];
  return r;
}

// The output of `row`, whose input x_t is xNew; moves the window and t on by one row. The taps
// are added oldest first, each skipped where it would read before t = 0.
fn produce(row: u32, xNew: vec4<f32>) -> vec4<f32> {
  var acc = bias;
  for (var back = p.K - 1u; back >= 4u; back--) {
    if (back <= t) { acc = fma(tap(back), x[(row - back) * p.D4 + j], acc); }
  }
  acc = nearTaps(acc, xNew, win1, win2, win3, min(t, 3u));
  win3 = win2;
  win2 = win1;
  win1 = xNew;
  t = select(t + 1u, 0u, t + 1u == p.T);
  return acc;
}

fn silu(v: vec4<f32>) -> vec4<f32> {
  return v * sigmoid4(v);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  j = gid.x;
  if (j >= p.D4) { return; }
  let r = start(gid.y);
  var row = r.x;
  for (; row + UNROLL <= r.y; row += UNROLL) {
    let i = row * p.D4 + j;
    let x0 = x[i];
    let x1 = x[i + p.D4];
    let x2 = x[i + 2u * p.D4];
    let x3 = x[i + 3u * p.D4];
    let v0 = produce(row, x0);
    let v1 = produce(row + 1u, x1);
    let v2 = produce(row + 2u, x2);
    let v3 = produce(row + 3u, x3);
    out[i] = v0;
    out[i + p.D4] = v1;
    out[i + 2u * p.D4] = v2;
    out[i + 3u * p.D4] = v3;
    act[i] = silu(v0);
    act[i + p.D4] = silu(v1);
    act[i + 2u * p.D4] = silu(v2);
    act[i + 3u * p.D4] = silu(v3);
  }
  for (; row < r.y; row++) {
    let i = row * p.D4 + j;
    let v = produce(row, x[i]);
    out[i] = v;
    act[i] = silu(v);
  }
}
