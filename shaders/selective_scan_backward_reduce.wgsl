// Selective-scan backward, pass 2 of 2: finishes the partial sums that pass 1 left in `scratch`
// (layout in selective_scan_backward.wgsl), so no atomics are needed. Two entry points, each a
// flat 1-D grid of 256-thread workgroups (split over x and y for large sizes):
//   finish     du = du core + Dskip·dy, dΔ copied out                      (overwrite, rows·D)
//              dA_log += A·Σ_b dA parts, dDskip += Σ_b (Σ_t dy·u) parts    (accumulate, D·N and D)
//   reduce_bc  dBt, dCt = Σ over the groupsD channel workgroups            (overwrite, rows·N)

struct Params { B: u32, T: u32, D: u32, N: u32, groupsD: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> scratch: array<f32>;

fn flatIndex(wg: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wg.y * nwg.x + wg.x) * 256u + lid;
}

@group(0) @binding(2) var<storage, read> fiDskip: array<f32>;
@group(0) @binding(3) var<storage, read> fiDy: array<f32>;
@group(0) @binding(4) var<storage, read_write> fiDu: array<f32>;
@group(0) @binding(5) var<storage, read_write> fiDDelta: array<f32>;
@group(0) @binding(6) var<storage, read> fiALog: array<f32>;
@group(0) @binding(7) var<storage, read_write> fiDALog: array<f32>;
@group(0) @binding(8) var<storage, read_write> fiDDskip: array<f32>;

// Threads [0, rows·D) finish du and dΔ, the next D·N + D the parameters' gradients: one launch.
@compute @workgroup_size(256)
fn finish(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wg, nwg, lid);
  let rows = p.B * p.T;
  let size = rows * p.D;
  if (i < size) {
    fiDu[i] = scratch[i] + fiDskip[i % p.D] * fiDy[i];
    fiDDelta[i] = scratch[size + i];
    return;
  }
  let dn = p.D * p.N;
  let j = i - size;
  let offA = 2u * size + 2u * p.groupsD * rows * p.N;
  if (j < dn) {
    var acc = 0.0;
    for (var b = 0u; b < p.B; b++) { acc += scratch[offA + b * dn + j]; }
    fiDALog[j] += -exp(fiALog[j]) * acc;
  } else if (j < dn + p.D) {
    // The scan wrote Σ_t dy·u per sequence and channel: sum the B parts.
    let c = j - dn;
    let offS = offA + p.B * dn;
    var acc = 0.0;
    for (var b = 0u; b < p.B; b++) { acc += scratch[offS + b * p.D + c]; }
    fiDDskip[c] += acc;
  }
}

@group(0) @binding(2) var<storage, read_write> rbDBt: array<f32>;
@group(0) @binding(3) var<storage, read_write> rbDCt: array<f32>;

@compute @workgroup_size(256)
fn reduce_bc(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wg, nwg, lid);
  let rows = p.B * p.T;
  let size = rows * p.N;
  if (i >= size) { return; }
  let offB = 2u * rows * p.D;
  let offC = offB + p.groupsD * size;
  var accB = 0.0;
  var accC = 0.0;
  for (var s = 0u; s < p.groupsD; s++) {
    accB += scratch[offB + s * size + i];
    accC += scratch[offC + s * size + i];
  }
  rbDBt[i] = accB;
  rbDCt[i] = accC;
}
