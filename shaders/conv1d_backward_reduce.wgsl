// Causal depthwise conv1d backward, first pass of the weight and bias gradients over block g of
// rowsPerGroup rows (workgroup row y):
//   partialW[g, c·K + k] = Σ_rows dout_t[c] · x_{t-K+1+k}[c]   (taps before t = 0 read zeros)
//   partialB[g, c] = Σ_rows dout_t[c]
// column_sum then adds the blocks into dw and db (deterministic, no atomics). Thread j owns channel
// c = j % D and the four taps that look back 4q..4q+3 rows, q = j / D (one thread per channel for
// K ≤ 4; the q = 0 thread also sums the bias). It walks its block forward reading one dout and one
// x per row, carrying the last four x it needs in registers, so each value is read once per row
// rather than once per tap; neighbouring threads read neighbouring channels. Rows are taken UNROLL
// at a time, their loads issued together, so the walk is not a serial chain of dependent loads.

const UNROLL = 4u; // the rows of one step in `main`, written out there

struct Params {
  rows: u32,
  D: u32,
  T: u32,
  K: u32,
  rowsPerGroup: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> partialW: array<f32>;
@group(0) @binding(4) var<storage, read_write> partialB: array<f32>;

var<private> c: u32;
var<private> back0: u32; // 4q: how far back lane 0 of the window looks
// win[i] = x_{t-back0-i}[c] at the current row t (zero before the sequence start), and
// accW[i] its sum of products with dout, the tap that looks back back0 + i rows.
var<private> win: vec4<f32>;
var<private> accW: vec4<f32>;
var<private> accB: f32;

// t of the row after one at t.
fn nextT(t: u32) -> u32 {
  return select(t + 1u, 0u, t + 1u == p.T);
}

// x_{t-back}[c] for the row `row` at time t, zero before the sequence start; the row is clamped so
// that the load is unconditional and stays in bounds.
fn xBack(row: u32, t: u32, back: u32) -> f32 {
  let v = x[(row - min(back, t)) * p.D + c];
  return select(0.0, v, back <= t);
}

// Moves the window on to a row at t, whose dout is d and whose newest input is xNew.
fn step(d: f32, xNew: f32, t: u32) {
  win = select(vec4<f32>(xNew, win.xyz), vec4<f32>(xNew, 0.0, 0.0, 0.0), t == 0u);
  accW = fma(vec4<f32>(d), win, accW);
  accB += d;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let g = gid.y;
  if (j >= p.D * ((p.K + 3u) / 4u)) { return; }
  c = j % p.D;
  back0 = 4u * (j / p.D);
  let r0 = g * p.rowsPerGroup;
  let r1 = min(r0 + p.rowsPerGroup, p.rows);
  var t = r0 % p.T;
  // The window at the row before the block (its last lane is shifted out unread).
  win = vec4<f32>(
    xBack(r0, t, back0 + 1u),
    xBack(r0, t, back0 + 2u),
    xBack(r0, t, back0 + 3u),
    0.0,
  );
  accW = vec4<f32>(0.0);
  accB = 0.0;
  var row = r0;
  for (; row + UNROLL <= r1; row += UNROLL) {
    let t1 = nextT(t);
    let t2 = nextT(t1);
    let t3 = nextT(t2);
    let i = row * p.D + c;
    let d = vec4<f32>(dout[i], dout[i + p.D], dout[i + 2u * p.D], dout[i + 3u * p.D]);
    let xs = vec4<f32>(
      xBack(row, t, back0),
      xBack(row + 1u, t1, back0),
      xBack(row + 2u, t2, back0),
      xBack(row + 3u, t3, back0),
    );
    step(d.x, xs.x, t);
    step(d.y, xs.y, t1);
    step(d.z, xs.z, t2);
    step(d.w, xs.w, t3);
    t = nextT(t3);
  }
  for (; row < r1; row++) {
    step(dout[row * p.D + c], xBack(row, t, back0), t);
    t = nextT(t);
  }
  for (var i = 0u; i < 4u; i++) {
    let back = back0 + i;
    if (back < p.K) { partialW[(g * p.D + c) * p.K + p.K - 1u - back] = accW[i]; }
  }
  if (back0 == 0u) { partialB[g * p.D + c] = accB; }
}
