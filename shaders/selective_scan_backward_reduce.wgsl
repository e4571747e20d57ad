// Selective-scan backward, pass 2 of 2: finishes the partial sums that pass 1 left in `scratch`
// (layout in selective_scan_backward.wgsl), so no atomics are needed. One flat 1-D grid of
// 256-thread workgroups (split over x and y for large sizes):
//   threads [0, rows·N)      dBt, dCt = Σ over the groupsD channel workgroups       (overwrite)
//   the next D·N             dA_log  += A·Σ_b dA parts                              (accumulate)
//   the next D               dDskip  += Σ_b (Σ_t dy·u) parts                        (accumulate)
// Pairs are one binding each, as in the scan: A_log with Dskip (its gradients likewise, dDskip from
// float dskipAt) and dBt with dCt (dCt from float dctAt).

struct Params { B: u32, T: u32, D: u32, N: u32, groupsD: u32, dskipAt: u32, dctAt: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> scratch: array<f32>;
@group(0) @binding(2) var<storage, read> ssm: array<f32>;
@group(0) @binding(3) var<storage, read_write> dssm: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbc: array<f32>;

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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid;
  let size = p.B * p.T * p.N;
  if (i < size) {
    dbc[i] = sumParts(i, p.groupsD, size);
    dbc[p.dctAt + i] = sumParts(p.groupsD * size + i, p.groupsD, size);
    return;
  }
  let dn = p.D * p.N;
  let j = i - size;
  let offA = 2u * p.groupsD * size;
  if (j < dn) {
    dssm[j] += -exp(ssm[j]) * sumParts(offA + j, p.B, dn);
  } else if (j < dn + p.D) {
    // The scan wrote Σ_t dy·u per sequence and channel: sum the B parts.
    let c = j - dn;
    dssm[p.dskipAt + c] += sumParts(offA + p.B * dn + c, p.B, p.D);
  }
}
