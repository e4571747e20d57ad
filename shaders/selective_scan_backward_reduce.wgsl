// Selective-scan backward, pass 2 of 2: finishes the partial sums that pass 1 left in `scratch`
// (layout in selective_scan_backward.wgsl), so no atomics are needed. One entry point per output
// group, each a flat 1-D grid of 256-thread workgroups (split over x and y for large sizes):
//   finish_inputs  du = du core + Dskip·dy, dΔ copied out           (overwrite, rows·D)
//   reduce_bc      dBt, dCt = Σ over the groupsD channel workgroups  (overwrite, rows·N)
//   reduce_params  dA_log += A·Σ_b dA parts, dDskip += Σ_b (Σ_t dy·u) parts  (accumulate, D·N and D)

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

@compute @workgroup_size(256)
fn finish_inputs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wg, nwg, lid);
  let size = p.B * p.T * p.D;
  if (i >= size) { return; }
  fiDu[i] = scratch[i] + fiDskip[i % p.D] * fiDy[i];
  fiDDelta[i] = scratch[size + i];
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

@group(0) @binding(2) var<storage, read> rpALog: array<f32>;
@group(0) @binding(3) var<storage, read_write> rpDALog: array<f32>;
@group(0) @binding(4) var<storage, read_write> rpDDskip: array<f32>;

@compute @workgroup_size(256)
fn reduce_params(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wg, nwg, lid);
  let rows = p.B * p.T;
  let dn = p.D * p.N;
  let offA = 2u * rows * p.D + 2u * p.groupsD * rows * p.N;
  if (i < dn) {
    var acc = 0.0;
    for (var b = 0u; b < p.B; b++) { acc += scratch[offA + b * dn + i]; }
    rpDALog[i] += -exp(rpALog[i]) * acc;
  } else if (i < dn + p.D) {
    // The scan wrote Σ_t dy·u per sequence and channel: sum the B parts.
    let c = i - dn;
    let offS = offA + p.B * dn;
    var acc = 0.0;
    for (var b = 0u; b < p.B; b++) { acc += scratch[offS + b * p.D + c]; }
    rpDDskip[c] += acc;
  }
}
