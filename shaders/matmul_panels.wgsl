// Included (//!include matmul_panels) by the two tiled matmul kernels, after matmul_operands: how
// their 256 threads stage each K panel (BM×BK of A and BK×BN of B, 1,024 elements each) into
// workgroup memory As and Bs, k rows of vec4s at a stride of SV vec4s. A thread stages 4 elements
// of each, at the same places in every panel, indexed in the stored order so that neighbouring
// threads read neighbouring addresses; the next panel loads into registers while the current one
// is multiplied, so that the loads' latency overlaps the FMAs instead of preceding them. Each
// kernel declares BM, BN, BK, SV, As and Bs.

// Where this thread's 4 elements of A (row m of C, k within the panel) and of B (column n of C,
// k) sit in a panel.
struct PanelSlots {
  am: vec4<u32>,
  ak: vec4<u32>,
  bn: vec4<u32>,
  bk: vec4<u32>,
}

var<private> slots: PanelSlots;
// The next panel's elements, in flight.
var<private> nextA: vec4<f32>;
var<private> nextB: vec4<f32>;

fn placePanelSlots(tid: u32) {
  for (var i = 0u; i < 4u; i++) {
    let e = tid + i * 256u;
    if (TRANS_A) { slots.am[i] = e % BM; slots.ak[i] = e / BM; } else { slots.ak[i] = e % BK; slots.am[i] = e / BK; }
    if (TRANS_B) { slots.bk[i] = e % BK; slots.bn[i] = e / BK; } else { slots.bn[i] = e % BN; slots.bk[i] = e / BN; }
  }
}

// Loads the panel starting at k0 into registers.
fn loadPanel(row0: u32, col0: u32, k0: u32) {
  for (var i = 0u; i < 4u; i++) {
    nextA[i] = loadA(row0 + slots.am[i], k0 + slots.ak[i]);
    nextB[i] = loadB(k0 + slots.bk[i], col0 + slots.bn[i]);
  }
}

// Writes the loaded panel to workgroup memory.
fn storePanel() {
  for (var i = 0u; i < 4u; i++) {
    As[slots.ak[i] * SV + slots.am[i] / 4u][slots.am[i] % 4u] = nextA[i];
    Bs[slots.bk[i] * SV + slots.bn[i] / 4u][slots.bn[i] % 4u] = nextB[i];
  }
}

// Places workgroup z's slice and this thread's panel slots, and loads the first panel; returns the
// slice's K range.
fn startPanels(z: u32, tid: u32, row0: u32, col0: u32) -> vec2<u32> {
  placeSlice(z);
  placePanelSlots(tid);
  let kRange = sliceRange(z);
  loadPanel(row0, col0, kRange.x);
  return kRange;
}
