// Included (//!include selective_scan_lanes) by the selective-scan kernels, which declare Bt, Ct,
// the override G and p.N: lane j of a channel holds the states n = j + G·i (i < 4) in a vec4.

// Bt_t / Ct_t of one row at this lane's states; states past N read as 0 and so stay 0.
fn loadBt(row: u32, lane: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { v[i] = Bt[row * p.N + n]; }
  }
  return v;
}

fn loadCt(row: u32, lane: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    let n = lane + G * i;
    if (n < p.N) { v[i] = Ct[row * p.N + n]; }
  }
  return v;
}
