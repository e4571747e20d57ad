// Where WGSL sources come from: Vite `?raw` imports in the browser, files on disk in Node.
// Both hand the same text from `shaders/` to the pipeline cache.

export type ShaderSource = (name: string) => string;

export class MissingShaderError extends Error {}

export function shaderSourceFromRecord(files: Record<string, string>): ShaderSource {
  return (name) => {
    const text = files[name];
    if (text === undefined) throw new MissingShaderError(`no shader named ${name}.wgsl`);
    return text;
  };
}
