import { it } from 'vitest';
import { create, globals } from 'webgpu';
it('override array', async () => {
  Object.assign(globalThis, globals);
  const gpu = create([]) as unknown as GPU;
  const a = await gpu.requestAdapter();
  const d = await a!.requestDevice();
  const code = `override D: u32 = 16u;
var<workgroup> acc: array<f32, D>;
@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(local_invocation_index) l: u32) { if (l < D) { acc[l] = f32(l); } workgroupBarrier(); if (l < D) { o[l] = acc[l]; } }`;
  const m = d.createShaderModule({ code });
  console.log((await m.getCompilationInfo()).messages.map((x) => x.message));
  d.pushErrorScope('validation');
  d.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main', constants: { D: 29 } } });
  console.log('err', await d.popErrorScope());
});
