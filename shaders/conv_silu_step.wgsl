// Included (//!include conv_silu_step) by the SSM's decode-step kernels; not a kernel itself.
// The including shader declares Params p with D, KC (the conv width), offConvW and offConvB, the
// flat parameter buffer P and the conv state convState (B, KC-1, D): each sequence's previous KC-1
// conv inputs, oldest first (zeros before the start). Both kernels that need u call this one
// function, so they compute the same bits.

//!include sigmoid

// u = silu(b[c] + Σ_{k<KC-1} w[c,k]·state[b,k,c] + w[c,KC-1]·u0): the SSM's conv at the new token.
fn convSilu(b: u32, c: u32, u0: f32) -> f32 {
  let base = b * (p.KC - 1u) * p.D + c;
  let w = p.offConvW + c * p.KC;
  var acc = P[p.offConvB + c];
  for (var k = 0u; k + 1u < p.KC; k++) {
    acc = fma(P[w + k], convState[base + k * p.D], acc);
  }
  acc = fma(P[w + p.KC - 1u], u0, acc);
  return acc * sigmoid(acc);
}
