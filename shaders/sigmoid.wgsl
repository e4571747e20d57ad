// Included (//!include sigmoid) by the kernels that need σ; not a kernel itself.

// σ of each component without overflow: exp of a non-positive argument only.
fn sigmoid4(v: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(v));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, v >= vec4<f32>(0.0));
}

// σ(v), for kernels working on scalars (the unused components fold away).
fn sigmoid(v: f32) -> f32 {
  return sigmoid4(vec4<f32>(v)).x;
}
