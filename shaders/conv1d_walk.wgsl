// Included (//!include conv1d_walk) by the conv's forward and input-gradient kernels, which walk
// time the same way: thread j owns channels 4j..4j+3 (vec4s; D4 = D / 4) over block g of ROWS rows
// (workgroup row y), reading one input per row and carrying the three rows beside it in registers,
// so each is read once rather than once per tap; taps four or more rows away (K > 4) are read from
// memory. Rows are taken UNROLL at a time, their loads issued before any store, so the walk is not
// a serial chain of dependent loads. Both bind the weights, PyTorch's (D, 1, K): w[c·K + k], at 2.

const ROWS = 16u; // rows per block: the launch's grid has ceil(rows / ROWS) rows
const UNROLL = 4u; // the rows of one step in `main`, written out there

struct Params {
  rows: u32,
  D4: u32,
  T: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> w: array<f32>;

var<private> j: u32;
var<private> t: u32; // time of the next row to produce
// tap0..tap3: the weights of the taps `shift` = 0..3 rows away (zero for shift ≥ K).
var<private> tap0: vec4<f32>;
var<private> tap1: vec4<f32>;
var<private> tap2: vec4<f32>;
var<private> tap3: vec4<f32>;

// The weights of tap k = K − 1 − shift (the input `shift` rows before the output, in the forward;
// the output `shift` rows after the input, in the backward), for the thread's four channels.
fn tap(shift: u32) -> vec4<f32> {
  if (shift >= p.K) { return vec4<f32>(0.0); }
  let i = 4u * j * p.K + p.K - 1u - shift;
  return vec4<f32>(w[i], w[i + p.K], w[i + 2u * p.K], w[i + 3u * p.K]);
}

// acc plus the taps within four rows: tap i times v_i, the row i away, for the taps i < K that
// `reach` (how many rows away stay in the sequence, capped at 3) allows; tap 0 always applies.
fn nearTaps(
  acc: vec4<f32>,
  v0: vec4<f32>,
  v1: vec4<f32>,
  v2: vec4<f32>,
  v3: vec4<f32>,
  reach: u32,
) -> vec4<f32> {
  var a = acc;
  if (p.K > 3u && reach >= 3u) { a = fma(tap3, v3, a); }
  if (p.K > 2u && reach >= 2u) { a = fma(tap2, v2, a); }
  if (p.K > 1u && reach >= 1u) { a = fma(tap1, v1, a); }
  return fma(tap0, v0, a);
}

// Starts the walk over block g: the thread's taps and the block's first time step; returns its
// rows [r0, r1).
fn startBlock(g: u32) -> vec2<u32> {
  tap0 = tap(0u);
  tap1 = tap(1u);
  tap2 = tap(2u);
  tap3 = tap(3u);
  let r0 = g * ROWS;
  t = r0 % p.T;
  return vec2<u32>(r0, min(r0 + ROWS, p.rows));
}
