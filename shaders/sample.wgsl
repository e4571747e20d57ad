// Next-token sampling on the GPU, one workgroup per sequence b, so generation reads back three
// u32 per token (the token, its probability and rank, below). Scores s_i = l'_i / temperature, where l' applies the repetition penalty to tokens
// already seen (l/penalty when l > 0, l·penalty otherwise, as Hugging Face does). Then:
//   temperature 0: the argmax of l' (lowest index among ties);
//   top-k: keep s_i ≥ the k-th largest score (ties at the boundary kept);
//   top-p: of those, keep i when the mass of strictly higher scores is < topP (the smallest
//          prefix of the sorted distribution reaching topP, boundary ties kept);
//   draw: the first kept i (index order) whose running sum of e^{s_j - max} exceeds u · total,
//         u in [0, 1) hashed from (seed, draw, b), so seeded sampling reproduces exactly.
// Both thresholds are found without sorting, on an order-preserving u32 key of the score. Top-k:
// a radix select, a byte of the key per pass over V (a 256-bin histogram of the tokens that
// match the bytes found so far, then a suffix sum). Top-p: a bisection over the key's 32 bits,
// each probe a workgroup sum of the masses at or above it; when top-k left at most WG tokens
// (the defaults keep 40) their scores are gathered first, so the probes read workgroup memory
// instead of passing over V.
// A restricted draw (the first of a prompt whose last token was backed off, src/data/
// tokenHealing.ts) scores the tokens not marked in `allowed` as EXCLUDED, of no mass: never drawn.
// The token goes to ids[b] (the next step's input) and is marked in seen (B, V). For the chat's
// view of how sure the model was, ids[Bq + b] gets the token's probability under the model (the
// softmax of the raw logits: no penalty, temperature or truncation; f32 bits) and ids[2·Bq + b]
// its rank among the logits (1: the most likely; ties share the better rank).
// Generation runs a few tokens ahead of the reader: with haltOnStop (one sequence), drawing a
// token marked in stops sets halt[0], after which this kernel and the state updates of the steps
// already queued behind it do nothing (selective_scan_step.wgsl, rmsnorm_matvec.wgsl's ring
// store); the host clears halt when it has read the stop token.

//!include logit_odds
// WG (logit_odds.wgsl): threads, and bins of the radix select's byte histogram.

struct Params {
  V: u32,
  topK: u32, // 0: off
  topP: f32, // ≥ 1: off
  temperature: f32, // 0: greedy
  penalty: f32, // 1: off
  seed: u32,
  draw: u32,
  haltOnStop: u32,
  restricted: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> seen: array<u32>;
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> halt: array<u32>;
@group(0) @binding(5) var<storage, read> stops: array<u32>;
@group(0) @binding(6) var<storage, read> allowed: array<u32>;

// The score of a token a restricted draw leaves out: its mass, e^(EXCLUDED − max), is 0, and the
// draw picks only tokens of positive mass (when fewer than k tokens are allowed, top-k keeps some
// excluded ones, at no mass).
const EXCLUDED = -3.4e38;

var<workgroup> redU: array<u32, WG>;
var<workgroup> chosen: u32;
var<workgroup> hist: array<atomic<u32>, WG>;
var<workgroup> cand: array<f32, WG>; // the top-k scores, gathered
var<workgroup> nCand: atomic<u32>;
var<workgroup> halted: u32;

fn score(row: u32, i: u32) -> f32 {
  if (p.restricted != 0u && allowed[i] == 0u) { return EXCLUDED; }
  var l = logits[row + i];
  if (seen[row + i] != 0u) {
    l = select(l * p.penalty, l / p.penalty, l > 0.0);
  }
  if (p.temperature > 0.0) {
    l = l / p.temperature;
  }
  return l;
}

// Monotone map of f32 to u32 (−0 and +0 share a key, so equal scores have equal keys).
fn orderedKey(v: f32) -> u32 {
  let bits = bitcast<u32>(select(v, 0.0, v == 0.0));
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

/** Σ e^{s_i − m} over tokens with key ≥ lo and key ≥ k. */
fn massAbove(tid: u32, row: u32, m: f32, lo: u32, k: u32) -> f32 {
  var acc = 0.0;
  for (var i = tid; i < p.V; i += WG) {
    let s = score(row, i);
    let key = orderedKey(s);
    if (key >= lo && key >= k) { acc += exp(s - m); }
  }
  return sumF(tid, acc);
}

/** massAbove, from the gathered candidates when they hold every token with key ≥ k. */
fn mass(tid: u32, row: u32, m: f32, lo: u32, k: u32, fits: bool, n: u32) -> f32 {
  if (!fits) { return massAbove(tid, row, m, lo, k); }
  var e = 0.0;
  if (tid < n && orderedKey(cand[tid]) >= lo) { e = exp(cand[tid] - m); }
  return sumF(tid, e);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let b = wg.x;
  let row = b * p.V;
  if (tid == 0u) { halted = halt[0]; }
  if (workgroupUniformLoad(&halted) != 0u) { return; }

  // The maximum score and its lowest index.
  var m = -3.4e38;
  var mi = p.V;
  for (var i = tid; i < p.V; i += WG) {
    let s = score(row, i);
    if (s > m) { m = s; mi = i; }
  }
  redF[tid] = m;
  redU[tid] = mi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      let o = tid + s;
      if (redF[o] > redF[tid] || (redF[o] == redF[tid] && redU[o] < redU[tid])) {
        redF[tid] = redF[o];
        redU[tid] = redU[o];
      }
    }
    workgroupBarrier();
  }
  let maxS = workgroupUniformLoad(&redF[0]);
  let argmax = workgroupUniformLoad(&redU[0]);
  workgroupBarrier();

  var token = argmax;
  if (p.temperature > 0.0) {
    // Top-k: the k-th largest key. Invariant: `need` of the keys matching the bytes found so far
    // are at or above the answer; each pass finds the next byte from the matching keys' counts.
    var kk = 0u;
    if (p.topK > 0u && p.topK < p.V) {
      var need = p.topK;
      for (var byte = 0u; byte < 4u; byte++) {
        let shift = 24u - 8u * byte;
        let high = select(~0u << (shift + 8u), 0u, byte == 0u); // bytes already fixed
        atomicStore(&hist[tid], 0u);
        workgroupBarrier();
        for (var i = tid; i < p.V; i += WG) {
          let key = orderedKey(score(row, i));
          if ((key & high) == (kk & high)) { atomicAdd(&hist[(key >> shift) & 255u], 1u); }
        }
        workgroupBarrier();
        // above[b] = matching keys whose byte is ≥ b (a Hillis–Steele suffix sum).
        redU[tid] = atomicLoad(&hist[tid]);
        workgroupBarrier();
        for (var off = 1u; off < WG; off <<= 1u) {
          let add = select(0u, redU[min(tid + off, WG - 1u)], tid + off < WG);
          workgroupBarrier();
          redU[tid] += add;
          workgroupBarrier();
        }
        // The byte: the largest b with above[b] ≥ need (above[0] counts every match ≥ need).
        let next = select(0u, redU[min(tid + 1u, WG - 1u)], tid + 1u < WG);
        if (redU[tid] >= need && next < need) { chosen = tid; }
        let digit = workgroupUniformLoad(&chosen);
        need -= select(0u, redU[min(digit + 1u, WG - 1u)], digit + 1u < WG);
        kk |= digit << shift;
        workgroupBarrier();
      }
    }

    // The candidates (keys ≥ kk) in workgroup memory when they fit.
    if (tid == 0u) { atomicStore(&nCand, 0u); }
    workgroupBarrier();
    if (kk > 0u) {
      for (var i = tid; i < p.V; i += WG) {
        let s = score(row, i);
        if (orderedKey(s) >= kk) {
          let at = atomicAdd(&nCand, 1u);
          if (at < WG) { cand[at] = s; }
        }
      }
    }
    let gathered = workgroupUniformLoad(&nCand);
    let fits = kk > 0u && gathered <= WG;

    // Top-p: the largest key whose mass at or above it (within top-k) still reaches topP.
    let total = mass(tid, row, maxS, 0u, kk, fits, gathered);
    var kp = 0u;
    if (p.topP < 1.0) {
      let want = p.topP * total;
      for (var bit = 32u; bit > 0u; bit--) {
        let probe = kp | (1u << (bit - 1u));
        if (mass(tid, row, maxS, probe, kk, fits, gathered) >= want) { kp = probe; }
      }
    }
    let keep = max(kk, kp);

    // Inverse CDF in index order: thread tid owns a contiguous chunk; a scan of the chunk sums
    // finds the chunk holding u · total, and its thread walks it.
    let chunk = (p.V + WG - 1u) / WG;
    let lo = min(p.V, tid * chunk);
    let hi = min(p.V, lo + chunk);
    var local = 0.0;
    for (var i = lo; i < hi; i++) {
      let s = score(row, i);
      if (orderedKey(s) >= keep) { local += exp(s - maxS); }
    }
    redF[tid] = local;
    workgroupBarrier();
    for (var off = 1u; off < WG; off <<= 1u) {
      var v = redF[tid];
      if (tid >= off) { v += redF[tid - off]; }
      workgroupBarrier();
      redF[tid] = v;
      workgroupBarrier();
    }
    let incl = redF[tid];
    let excl = select(0.0, redF[max(tid, 1u) - 1u], tid > 0u);
    let sum = workgroupUniformLoad(&redF[WG - 1u]);
    if (tid == 0u) { chosen = argmax; }
    workgroupBarrier();
    let u = f32(pcg(pcg(pcg(p.seed) + p.draw) + b) >> 8u) * (1.0 / 16777216.0);
    let goal = u * sum;
    if (local > 0.0 && goal >= excl && goal < incl) {
      var acc = excl;
      var last = p.V;
      var pick = p.V;
      for (var i = lo; i < hi; i++) {
        let s = score(row, i);
        let e = exp(s - maxS);
        // A kept token of no mass (an excluded one, or one whose e underflows) is never drawn, as
        // in the reference.
        if (orderedKey(s) >= keep && e > 0.0) {
          acc += e;
          last = i;
          if (acc > goal) { pick = i; break; }
        }
      }
      // Rounding can leave the walk's running sum short of the chunk's: take its last token.
      // The chunks tile [0, sum), so one thread at most gets here (none only when rounding puts
      // u · sum at sum itself, and the argmax stands).
      chosen = select(pick, last, pick == p.V);
    }
    token = workgroupUniformLoad(&chosen);
  }
  // The drawn token's probability and rank under the raw logits.
  let odds = logitOdds(tid, row, p.V, token);
  if (tid == 0u) {
    ids[b] = token;
    ids[groups.x + b] = bitcast<u32>(odds.x);
    ids[2u * groups.x + b] = u32(odds.y);
    seen[row + token] = 1u;
    if (p.haltOnStop != 0u && stops[token] != 0u) { halt[0] = 1u; }
  }
}
