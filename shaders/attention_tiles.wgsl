// Included (//!include attention_tiles) by the three attention kernels: their tile shape (set by
// src/ops/attention.ts as pipeline constants) and their uniform parameters.

override BQ: u32 = 16u;
override BK: u32 = 16u;
override TPR: u32 = 16u;
override DH: u32 = 32u;
// Output columns per thread (column d = lane + u·TPR), held in registers.
override DPT: u32 = (DH + TPR - 1u) / TPR;
// Staged rows padded by one float: threads of a row read different rows at the same column.
override PAD: u32 = DH + 1u;
const MAX_DPT = 8u;

struct Params {
  T: u32,
  H: u32,
  scale: f32,
}
