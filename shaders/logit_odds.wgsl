// Included by sample.wgsl and token_odds.wgsl: workgroup reductions over WG threads, and how likely
// a row of logits makes one token. The including shader declares `logits` (array<f32>, rows of V).

const WG = 256u; // threads

var<workgroup> redF: array<f32, WG>;

fn sumF(tid: u32, v: f32) -> f32 {
  redF[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) { redF[tid] += redF[tid + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redF[0]);
  workgroupBarrier();
  return r;
}

fn maxF(tid: u32, v: f32) -> f32 {
  redF[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) { redF[tid] = max(redF[tid], redF[tid + s]); }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redF[0]);
  workgroupBarrier();
  return r;
}

// Token `token`'s probability under the softmax of the raw logits logits[row .. row + V), and its
// rank among them (1: the most likely; ties share the better rank), as (prob, rank). Every thread
// of the workgroup calls it (it has barriers); all get the result.
fn logitOdds(tid: u32, row: u32, V: u32, token: u32) -> vec2<f32> {
  let lt = logits[row + token];
  var rawMax = -3.4e38;
  var higher = 0.0;
  for (var i = tid; i < V; i += WG) {
    let l = logits[row + i];
    rawMax = max(rawMax, l);
    if (l > lt) { higher += 1.0; }
  }
  rawMax = maxF(tid, rawMax);
  var e = 0.0;
  for (var i = tid; i < V; i += WG) { e += exp(logits[row + i] - rawMax); }
  let total = sumF(tid, e);
  // Counts as f32 sums are exact below 2^24 tokens.
  return vec2<f32>(exp(lt - rawMax) / total, sumF(tid, higher) + 1.0);
}
