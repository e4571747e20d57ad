// Selective-scan backward, pass 3 of 3: finishes the partial sums that pass 2 left in `scratch`
// (layout: selective_scan_scratch.wgsl), so no atomics are needed. One entry point per output
// group, each a flat 1-D grid of 256-thread workgroups (split over x and y for large sizes):
//   finish_inputs  du = du core + Dskip·dy, dΔ copied out           (overwrite, rows·D)
//   reduce_bc      dBt, dCt = Σ over the groupsD channel workgroups  (overwrite, rows·N)
//   reduce_params  dA_log += A·Σ dA parts, dDskip += Σ (Σ_t dy·u) parts, over chunks and
//                  sequences                                         (accumulate, D·N and D)

struct Params { B: u32, T: u32, D: u32, N: u32, chunk: u32, groupsD: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> scratch: array<f32>;

//!include selective_scan_scratch

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
  let size = scanRows() * p.N;
  if (i >= size) { return; }
  var accB = 0.0;
  var accC = 0.0;
  for (var s = 0u; s < p.groupsD; s++) {
    accB += scratch[offDBt() + s * size + i];
    accC += scratch[offDCt() + s * size + i];
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
  let dn = p.D * p.N;
  let parts = scanChunks() * p.B; // one per (chunk, sequence)
  if (i < dn) {
    var acc = 0.0;
    for (var s = 0u; s < parts; s++) { acc += scratch[offDA() + s * dn + i]; }
    rpDALog[i] += -exp(rpALog[i]) * acc;
  } else if (i < dn + p.D) {
    // The scan wrote Σ_t dy·u per chunk, sequence and channel.
    let c = i - dn;
    var acc = 0.0;
    for (var s = 0u; s < parts; s++) { acc += scratch[offDDskip() + s * p.D + c]; }
    rpDDskip[c] += acc;
  }
}
