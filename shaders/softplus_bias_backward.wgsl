// softplus(pre + bias) backward, one thread per column c and block g of rowsPerGroup rows:
//   dpre = dΔ · σ(pre + bias)   (1 above PyTorch's threshold 20; overwritten)
//   partial[g, c] = Σ_{rows of block g} dpre   (dbias's first pass; column_sum adds the blocks)

struct Params {
  rows: u32,
  D: u32,
  rowsPerGroup: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> ddelta: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpre: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;

//!include sigmoid

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let g = gid.y;
  if (c >= p.D) { return; }
  let b = bias[c];
  let r0 = g * p.rowsPerGroup;
  let r1 = min(r0 + p.rowsPerGroup, p.rows);
  var acc = 0.0;
  for (var row = r0; row < r1; row++) {
    let i = row * p.D + c;
    let v = pre[i] + b;
    let d = ddelta[i] * select(sigmoid(v), 1.0, v > 20.0);
    dpre[i] = d;
    acc += d;
  }
  partial[g * p.D + c] = acc;
}
