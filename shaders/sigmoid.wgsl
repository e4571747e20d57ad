// Included (//!include sigmoid) by the kernels that need σ; not a kernel itself.

// σ(v) without overflow: exp of a non-positive argument only.
fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, v >= 0.0);
}
