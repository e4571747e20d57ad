// WebGPU in Node through the `webgpu` package (Dawn). Used by the unit tests, the CLI and
// the benchmarks; shaders are read from the repository's `shaders/` folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { projectPath } from '../util/projectPath';
import { acquireGpu, type GpuContext } from './device';
import type { ShaderSource } from './shaders';

const shaderDir = process.env.I3_SHADERS ?? projectPath('shaders');
const cache = new Map<string, string>();

export const nodeShaders: ShaderSource = (name) => {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(shaderDir, `${name}.wgsl`), 'utf8');
    cache.set(name, text);
  }
  return text;
};

// Dawn's instance must outlive every device made from it: if it is garbage-collected, pending
// map and work-done callbacks never fire and the process aborts. Keep it for the process.
let instance: GPU | undefined;

export async function acquireNodeGpu(): Promise<GpuContext> {
  if (!instance) {
    Object.assign(globalThis, globals);
    instance = create([]) as unknown as GPU;
  }
  return acquireGpu(instance);
}
