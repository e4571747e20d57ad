import { type ShaderSource, shaderSourceFromRecord } from './shaders';

const modules = import.meta.glob('../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const byName: Record<string, string> = {};
for (const [path, text] of Object.entries(modules)) {
  byName[path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length)] = text;
}

/** Every WGSL file of `shaders/`, bundled by Vite. */
export const browserShaders: ShaderSource = shaderSourceFromRecord(byName);
