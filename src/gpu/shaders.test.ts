import { describe, expect, it } from 'vitest';
import { GpuRuntime, ShaderCompileError } from './runtime';
import { expandIncludes, shaderSourceFromRecord } from './shaders';
import { testRuntime } from './testing';

const files = {
  main: 'fn a() {}\n//!include lib\n//!include lib\nfn b() {}',
  lib: '// the library\nfn helper() -> f32 { return 1.0; }',
  broken: '@compute @workgroup_size(1)\nfn main() {}\n//!include bad',
  bad: '// fine\nfn oops() -> f32 { return undefined_name; }',
};

describe('shader includes', () => {
  it('expands each include once and maps lines back to their files', () => {
    const { code, origin } = expandIncludes('main', shaderSourceFromRecord(files));
    expect(code.split('\n')).toEqual([
      'fn a() {}',
      '// the library',
      'fn helper() -> f32 { return 1.0; }',
      'fn b() {}',
    ]);
    expect(origin(1)).toEqual({ file: 'main', line: 1 });
    expect(origin(3)).toEqual({ file: 'lib', line: 2 });
    expect(origin(4)).toEqual({ file: 'main', line: 4 });
  });

  it('reports a compile error at the included file and line', async () => {
    const ctx = await testRuntime();
    const rt = new GpuRuntime(
      { device: ctx.device, info: ctx.info, lost: ctx.lost },
      shaderSourceFromRecord(files),
    );
    await expect(rt.module('broken')).rejects.toThrow(ShaderCompileError);
    await expect(rt.module('broken')).rejects.toThrow(/bad\.wgsl:2:/);
  });
});
