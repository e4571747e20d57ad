// Where a sequence's tokens looked: for query row i of one sequence of T and each key j ≤ i, the
// attention probability averaged over the H heads, from the forward's q, k and lse (B, H, T):
//   out[outOffset + i·T + j] = (1/H) Σ_h exp(scale · q_i^h · k_j^h − lse[h·T + i]),
// zero for j > i. One workgroup per row; the chat's view of what a prompt's tokens attended to.

const WG = 64u;

struct Params {
  T: u32,
  H: u32,
  D: u32,
  scale: f32,
  outOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// Rows of D floats as D/4 vec4s (a head's dh is a multiple of 4).
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let i = wg.x;
  let row = p.D / 4u;
  let dh = row / p.H;
  for (var j = tid; j < p.T; j += WG) {
    var w = 0.0;
    if (j <= i) {
      for (var h = 0u; h < p.H; h++) {
        var s = 0.0;
        for (var d = h * dh; d < (h + 1u) * dh; d++) { s += dot(q[i * row + d], k[j * row + d]); }
        w += exp(p.scale * s - lse[h * p.T + i]);
      }
    }
    out[p.outOffset + i * p.T + j] = w / f32(p.H);
  }
}
