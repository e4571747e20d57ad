// Included (//!include attention_tiles) by the three attention kernels of training: their tile
// shape (set by src/ops/attention.ts as pipeline constants), uniform parameters and row indexing.
// SPLIT threads own one row of one head (a query row in the forward and dq passes, a key row in
// the dk/dv pass) and each keeps it in registers as DH4 vec4s; the rows of the other side stream
// through workgroup memory in tiles of BK, which the row's threads share out four rows at a time,
// every thread of a warp reading the same staged row at once (a broadcast). Only at the end do a
// row's threads combine their parts, through workgroup memory. Thread lid holds part lid / BQ of
// row lid % BQ, so that a warp's threads walk the same staged rows.
// q, k, v and their gradients are (B·T, H·DH) row-major: row b·T + t, head h in columns h·DH...

// Rows per workgroup.
override BQ: u32 = 64u;
// Threads per row.
override SPLIT: u32 = 2u;
// Staged rows per tile, walked four at a time (scores as a vec4): a multiple of 4.
override BK: u32 = 32u;
// The head dim: a multiple of 4.
override DH: u32 = 32u;
override DH4: u32 = DH / 4u;
// Register slots of a row: head dims up to 128 (the arrays' unused slots cost nothing once the
// loops over DH4, a pipeline constant, are unrolled).
const MAX_DH4 = 32u;
// A score that masking removes: exp of it less any real score is 0.
const MASKED = -3.0e38;

struct Params {
  T: u32,
  H: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;

// The first query row of a workgroup of the forward or dq pass: later query blocks see more keys,
// so they start first and the short ones fill the tail. (A value of its own: uniform, where the
// QueryRow that also holds it is not, for the loops with barriers.)
fn queryBlockStart(wg: vec3<u32>, groups: vec3<u32>) -> u32 {
  return (groups.x - 1u - wg.x) * BQ;
}

// Where a thread of the forward or dq pass sits: sequence b, head h, row i of the workgroup's
// query block (from row q0) and its part of that row; the query t (rows past the end compute on
// the last row and are not stored, so barriers stay uniform) and the first vec4 of its head.
struct QueryRow {
  b: u32,
  h: u32,
  i: u32,
  part: u32,
  t: u32,
  row: u32,
}

fn queryRow(wg: vec3<u32>, q0: u32, lid: u32) -> QueryRow {
  let i = lid % BQ;
  let t = min(q0 + i, p.T - 1u);
  return QueryRow(wg.z, wg.y, i, lid / BQ, t, headRow(wg.z, t, wg.y));
}

// The first vec4 of head h's slice of row t of sequence b.
fn headRow(b: u32, t: u32, h: u32) -> u32 {
  return ((b * p.T + t) * p.H + h) * DH4;
}

// The (b, h, t) index of the per-row statistics (lse, delta), laid out (B, H, T).
fn statRow(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.H + h) * p.T + t;
}

// The staged tiles: two of BK rows each, side by side (keys then values in the forward and dq
// passes, queries then output gradients in the dk/dv pass); row j of side `side` (0 or 1) starts
// at (side·BK + j)·DH4. After the walk the same memory carries the parts to combine, a vec4 slot
// per row and register slot (BQ·DH4 at most).
override STAGED: u32 = max(2u * BK, BQ) * DH4;
var<workgroup> staged: array<vec4<f32>, STAGED>;

// Where the e-th vec4 of a tile of rows r0 .. r0+BK-1 (clamped to the sequence) of head h of
// sequence b comes from; the workgroup's threads share the loads, e = lid, lid + BQ·SPLIT, ...
fn tileSource(e: u32, r0: u32, b: u32, h: u32) -> u32 {
  return headRow(b, min(r0 + e / DH4, p.T - 1u), h) + e % DH4;
}

// Σ over the row's slots of x·(staged row j+c) for c = 0..3: four scores at once.
fn dots4(x: ptr<function, array<vec4<f32>, MAX_DH4>>, side: u32, j: u32) -> vec4<f32> {
  let r = (side * BK + j) * DH4;
  var s = vec4(0.0);
  for (var u = 0u; u < DH4; u++) {
    let a = (*x)[u];
    s += vec4(
      dot(a, staged[r + u]),
      dot(a, staged[r + DH4 + u]),
      dot(a, staged[r + 2u * DH4 + u]),
      dot(a, staged[r + 3u * DH4 + u]),
    );
  }
  return s;
}

// acc = acc·keep + Σ_c w[c]·(staged row j+c), slot by slot.
fn fold4(acc: ptr<function, array<vec4<f32>, MAX_DH4>>, keep: f32, w: vec4<f32>, side: u32, j: u32) {
  let r = (side * BK + j) * DH4;
  for (var u = 0u; u < DH4; u++) {
    (*acc)[u] = (*acc)[u] * keep + w.x * staged[r + u] + w.y * staged[r + DH4 + u] +
      w.z * staged[r + 2u * DH4 + u] + w.w * staged[r + 3u * DH4 + u];
  }
}

// Adds part `giver`'s registers of a row into part 0's, through the staged memory (free once the
// walk is over). Every thread calls it: it holds barriers.
fn addParts(x: ptr<function, array<vec4<f32>, MAX_DH4>>, part: u32, row: u32, giver: u32) {
  workgroupBarrier();
  if (part == giver) {
    for (var u = 0u; u < DH4; u++) { staged[row * DH4 + u] = (*x)[u]; }
  }
  workgroupBarrier();
  if (part == 0u) {
    for (var u = 0u; u < DH4; u++) { (*x)[u] += staged[row * DH4 + u]; }
  }
}
