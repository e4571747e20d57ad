// WebGPU in Node through the `webgpu` package (Dawn). Used by the unit tests, the CLI and
// the benchmarks; shaders are read from the repository's `shaders/` folder.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { acquireGpu, type GpuContext } from './device';
import type { ShaderSource } from './shaders';

function findShaderDir(): string {
  if (process.env.I3_SHADERS) return process.env.I3_SHADERS;
  // Source tree (src/gpu) and bundles (.gpu/, dist-node/) both sit under the project root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'shaders');
    try {
      readFileSync(join(candidate, 'matmul.wgsl'));
      return candidate;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  return resolve(process.cwd(), 'shaders');
}

const shaderDir = findShaderDir();
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
