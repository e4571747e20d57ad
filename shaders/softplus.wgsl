// Included (//!include softplus) by the kernels that need softplus; not a kernel itself.

// log(1 + y) for y ≥ 0, accurate relative to its value. Δ is often 1e-3..1e-1 (the initial step
// sizes), where log(1 + y) would lose digits: WGSL's log is only accurate to 2⁻²¹ absolute near 1.
// Below y = 0.25 use log(1 + y) = 2·atanh(s), s = y/(2 + y) ≤ 1/9; the series' first omitted term
// is s⁸/9 ≈ 3e-9 relative.
fn log1p(y: f32) -> f32 {
  if (y > 0.25) { return log(1.0 + y); }
  let s = y / (2.0 + y);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 / 7.0)));
}

// softplus(v) = log(1 + eᵛ), with PyTorch's threshold: v > 20 gives v.
fn softplus(v: f32) -> f32 {
  return select(log1p(exp(v)), v, v > 20.0);
}
