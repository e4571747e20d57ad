import { describe, expect, it } from 'vitest';
import { describeAdapter, isSoftwareAdapter } from './device';
import { testRuntime } from './testing';

describe('software adapters', () => {
  it('knows the CPU renderers by the names browsers report for them', () => {
    // As Chrome (SwiftShader), Firefox or Chrome on Mesa (llvmpipe, lavapipe) and Edge on Windows
    // without a driver (WARP) describe them.
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'Lavapipe' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'intel', isFallbackAdapter: true })).toBe(true);
  });

  it('takes GPUs for GPUs', () => {
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp' })).toBe(false);
    expect(isSoftwareAdapter({ isFallbackAdapter: false })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });

  // vite.config.ts points Dawn at SwiftShader unless VK_ICD_FILENAMES names another driver.
  it.runIf(process.env.VK_ICD_FILENAMES?.includes('swiftshader'))(
    "finds the tests' own adapter, SwiftShader, a software one",
    async () => {
      const { info } = await testRuntime();
      expect(describeAdapter(info)).toMatch(/swiftshader/i);
      expect(info.software).toBe(true);
    },
  );
});
