// Causal depthwise conv1d backward, first pass of the weight and bias gradients: workgroup row y
// is block g of rowsPerGroup rows, and thread j < D·K sums tap (c, k) = (j / K, j % K) over it,
//   partialW[g, c·K + k] = Σ_rows dout_t[c] · x_{t-K+1+k}[c]   (taps before t = 0 read zeros)
// while thread D·K + c sums partialB[g, c] = Σ_rows dout_t[c]. column_sum then adds the blocks into
// dw and db (deterministic, no atomics).

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let g = gid.y;
  let nW = p.D * p.K;
  if (j >= nW + p.D) { return; }
  let r0 = g * p.rowsPerGroup;
  let r1 = min(r0 + p.rowsPerGroup, p.rows);
  var acc = 0.0;
  if (j < nW) {
    let c = j / p.K;
    let back = p.K - 1u - j % p.K;
    for (var row = r0; row < r1; row++) {
      if (back <= row % p.T) {
        acc = fma(dout[row * p.D + c], x[(row - back) * p.D + c], acc);
      }
    }
    partialW[g * nW + j] = acc;
  } else {
    let c = j - nW;
    for (var row = r0; row < r1; row++) {
      acc += dout[row * p.D + c];
    }
    partialB[g * p.D + c] = acc;
  }
}
