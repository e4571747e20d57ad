// Causal depthwise conv1d backward, input gradient (overwritten):
//   dx_s[c] = Σ_{k<K} w[c, k] · dout_{s+K-1-k}[c], over outputs s+K-1-k < T of the same sequence.
// The weight and bias gradients are conv1d_backward_reduce + column_sum.
// Thread j owns channels 4j..4j+3 (vec4s; D4 = D / 4) over block g of ROWS rows (workgroup row y).
// It walks its block forward in time reading one dout per row, three rows ahead, and carrying the
// three before it in registers, so each gradient is read once rather than once per tap; taps that
// look ahead 4 or more rows (K > 4) are read from memory. Rows are taken UNROLL at a time, their
// loads issued before any store, so the walk is not a serial chain of dependent loads.

const ROWS = 16u; // rows per block: the launch's grid has ceil(rows / ROWS) rows
const UNROLL = 4u; // the rows of one step in `main`, written out there

struct Params {
  rows: u32,
  D4: u32,
  T: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;

var<private> j: u32;
var<private> t: u32; // time of the next row to produce
// ahead0..ahead2: dout_{s+i} of the current row s, used only where s + i is in its sequence (later
// lanes may hold the next sequence's gradients); tap0..tap3: the weights whose output is i rows
// ahead (zero for i ≥ K).
var<private> ahead0: vec4<f32>;
var<private> ahead1: vec4<f32>;
var<private> ahead2: vec4<f32>;
var<private> tap0: vec4<f32>;
var<private> tap1: vec4<f32>;
var<private> tap2: vec4<f32>;
var<private> tap3: vec4<f32>;

// The weights of the tap whose output is `ahead` rows ahead, for the thread's four channels.
fn tap(ahead: u32) -> vec4<f32> {
  if (ahead >= p.K) { return vec4<f32>(0.0); }
  let i = 4u * j * p.K + p.K - 1u - ahead;
  return vec4<f32>(w[i], w[i + p.K], w[i + 2u * p.K], w[i + 3u * p.K]);
}

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
  if (p.K > 3u && t + 3u < p.T) { acc = fma(tap3, dNew, acc); }
  if (p.K > 2u && t + 2u < p.T) { acc = fma(tap2, ahead2, acc); }
  if (p.K > 1u && t + 1u < p.T) { acc = fma(tap1, ahead1, acc); }
  acc = fma(tap0, ahead0, acc);
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
  let r0 = gid.y * ROWS;
  let r1 = min(r0 + ROWS, p.rows);
  t = r0 % p.T;
  tap0 = tap(0u);
  tap1 = tap(1u);
  tap2 = tap(2u);
  tap3 = tap(3u);
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
