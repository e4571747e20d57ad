// Embedding gradient without atomics: dE[v, c] += Σ_{rows with id v} dx[row, c]. The host sorts the
// batch's rows by token (a CSR index: offsets per vocabulary row into the row positions, ascending
// within each token), so one thread owns one (v, c) and sums its rows in a fixed order: the
// result is deterministic. Vocabulary rows that do not occur are left untouched.

struct Params {
  n: u32, // V · D
  D: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> offsets: array<u32>;   // V + 1
@group(0) @binding(2) var<storage, read> positions: array<u32>; // rows
@group(0) @binding(3) var<storage, read> dx: array<f32>;
@group(0) @binding(4) var<storage, read_write> dE: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= p.n) { return; }
  let v = i / p.D;
  let c = i % p.D;
  let start = offsets[v];
  let end = offsets[v + 1u];
  if (start == end) { return; }
  var acc = 0.0;
  for (var j = start; j < end; j++) {
    acc += dx[positions[j] * p.D + c];
  }
  dE[i] += acc;
}
