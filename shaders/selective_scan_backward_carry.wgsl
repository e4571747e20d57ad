// Selective-scan backward, pass 1 of 3: each chunk's own part of the adjoint carry, so that pass 2
// (selective_scan_backward.wgsl) can run every chunk at once instead of walking T in sequence.
// The adjoint g_t = dy_t·Ct_t + exp(Δ_{t+1}·A)·g_{t+1} is linear in what flows in from later
// steps: walking chunk j backwards from a carry c gives P_j·c + L_j, with P_j = exp(A·Σ_{t∈j} Δ_t)
// and L_j the walk from c = 0. This pass writes L_j (the carry leaving chunk j's first step, as
// exp(Δ·A)·g) and Σ_{t∈j} Δ_t for every chunk; pass 2 folds them from the last chunk down to its
// own. Same lanes as pass 2 (G = N/4 lanes per channel, one vec4 of states each); workgroup
// (x, y, z) covers channels x·WG/G.. of sequence y in chunk z. Scratch layout:
// selective_scan_scratch.wgsl.

override WG: u32 = 64u;
override G: u32 = 1u;

const MAX_CHUNK = 16u; // as in selective_scan_backward.wgsl; the launch builder checks it
const LOG2E = 1.4426950408889634;

struct Params { B: u32, T: u32, D: u32, N: u32, chunk: u32, groupsD: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> delta: array<f32>;
@group(0) @binding(2) var<storage, read> ALog: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> Ct: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<f32>;

//!include selective_scan_lane
//!include selective_scan_scratch

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  placeLane(wg, lid);
  if (!ln.live) { return; }
  let k = wg.z;
  let start = k * p.chunk;
  let len = min(p.chunk, p.T - start);
  let A2 = -exp(ALog[ln.c * ln.n4 + ln.lane]) * LOG2E;
  var carry = vec4<f32>(0.0);
  var sumDt = 0.0;
  // A constant trip count, so that the loads of later steps can be issued early.
  for (var s = 0u; s < MAX_CHUNK; s++) {
    if (s < len) {
      let row = ln.rowBase + start + len - 1u - s;
      let idx = row * p.D + ln.c;
      let dt = delta[idx];
      carry = exp2(dt * A2) * (dy[idx] * Ct[row * ln.n4 + ln.lane] + carry);
      sumDt += dt;
    }
  }
  let slot = chunkSlot(k, ln.b, ln.c);
  let at = offCarry() + slot * p.N + ln.lane * 4u;
  for (var i = 0u; i < 4u; i++) { scratch[at + i] = carry[i]; }
  if (ln.lane == 0u) { scratch[offSumDt() + slot] = sumDt; }
}
