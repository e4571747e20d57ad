// Included (//!include selective_scan_scratch) by the three selective-scan backward kernels, whose
// Params have B, T, D, N, chunk and groupsD: where each part of their `scratch` lies, in floats
// (selectiveScanBufferBytes in src/ops/selectiveScan.ts sizes it the same way):
//   [du core: rows·D][dΔ: rows·D][dBt parts: groupsD·rows·N][dCt parts: groupsD·rows·N]
//   [dA parts: chunks·B·D·N][dDskip parts: chunks·B·D]
//   [chunk carries: chunks·B·D·N][chunk ΣΔ: chunks·B·D]
// The last four hold one slot per (chunk, sequence, channel): (k·B + b)·D + c.

fn scanRows() -> u32 { return p.B * p.T; }
fn scanChunks() -> u32 { return (p.T + p.chunk - 1u) / p.chunk; }
fn chunkSlot(k: u32, b: u32, c: u32) -> u32 { return (k * p.B + b) * p.D + c; }
fn offDBt() -> u32 { return 2u * scanRows() * p.D; }
fn offDCt() -> u32 { return offDBt() + p.groupsD * scanRows() * p.N; }
fn offDA() -> u32 { return offDCt() + p.groupsD * scanRows() * p.N; }
fn offDDskip() -> u32 { return offDA() + scanChunks() * p.B * p.D * p.N; }
fn offCarry() -> u32 { return offDDskip() + scanChunks() * p.B * p.D; }
fn offSumDt() -> u32 { return offCarry() + scanChunks() * p.B * p.D * p.N; }
