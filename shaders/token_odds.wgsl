// How likely the model found each token of a given text (the chat's view of a prompt): one
// workgroup per row r of logits, the probability of token targets[targetOffset + r] under the
// softmax of row r's raw logits (f32 bits) to out[2·(outOffset + r)], and its rank among them to
// the word after (logit_odds.wgsl; sample.wgsl writes the same for a drawn token).

//!include logit_odds

struct Params {
  V: u32,
  targetOffset: u32,
  outOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let r = wg.x;
  let odds = logitOdds(tid, r * p.V, p.V, targets[p.targetOffset + r]);
  if (tid == 0u) {
    let at = 2u * (p.outOffset + r);
    out[at] = bitcast<u32>(odds.x);
    out[at + 1u] = u32(odds.y);
  }
}
