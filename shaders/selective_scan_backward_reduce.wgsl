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

/**
 * Σ_{k<n} scratch[at + k·stride], four loads in flight at a time: a loop of single loads waits on
 * memory once per part.
 */
fn sumParts(at: u32, n: u32, stride: u32) -> f32 {
  var acc = vec4<f32>(0.0);
  var k = 0u;
  for (; k + 4u <= n; k += 4u) {
    let i = at + k * stride;
    let j = i + stride;
    acc += vec4<f32>(scratch[i], scratch[j], scratch[j + stride], scratch[j + 2u * stride]);
  }
  for (; k < n; k++) { acc.x += scratch[at + k * stride]; }
  return acc.x + acc.y + acc.z + acc.w;
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
    fiDALog[j] += -exp(fiALog[j]) * sumParts(offA + j, p.B, dn);
  } else if (j < dn + p.D) {
    // The scan wrote Σ_t dy·u per sequence and channel: sum the B parts.
    let c = j - dn;
    fiDDskip[c] += sumParts(offA + p.B * dn + c, p.B, p.D);
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
  rbDBt[i] = sumParts(offB + i, p.groupsD, size);
  rbDCt[i] = sumParts(offB + p.groupsD * size + i, p.groupsD, size);
}
