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

const INCLUDE = /^\/\/!include (\w+)\s*$/;

/** A shader with its `//!include name` lines replaced by shaders/name.wgsl, and where each line of
 * the result came from, so that compile errors name the file and line the author wrote. */
export interface ExpandedShader {
  code: string;
  origin(line: number): { file: string; line: number };
}

export function expandIncludes(name: string, source: ShaderSource): ExpandedShader {
  const lines: string[] = [];
  const origins: { file: string; line: number }[] = [];
  const seen = new Set([name]);
  const add = (file: string) => {
    source(file)
      .split('\n')
      .forEach((text, i) => {
        const m = INCLUDE.exec(text);
        if (!m) {
          lines.push(text);
          origins.push({ file, line: i + 1 });
        } else if (!seen.has(m[1])) {
          seen.add(m[1]);
          add(m[1]);
        }
      });
  };
  add(name);
  return { code: lines.join('\n'), origin: (line) => origins[line - 1] ?? { file: name, line } };
}
