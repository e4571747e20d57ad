import { describe, expect, it } from 'vitest';
import type { GpuInfo } from './device';
import { checkWorkgroup, vec4Count, workgroupLimits } from './runtime';

/** A runtime's info with these limits (the rest as a device without extras reports it). */
const withLimits = (limits: Record<string, number>) => ({
  info: {
    vendor: '',
    architecture: '',
    description: '',
    features: { timestamps: false },
    subgroupMinSize: 0,
    software: false,
    limits,
  } satisfies GpuInfo,
});

describe('workgroup limits', () => {
  it("reads the device's limits, WebGPU's minimums where it names none", () => {
    const granted = {
      maxComputeInvocationsPerWorkgroup: 1024,
      maxComputeWorkgroupStorageSize: 49152,
    };
    expect(workgroupLimits(withLimits(granted))).toEqual({ threads: 1024, bytes: 49152 });
    expect(workgroupLimits(withLimits({}))).toEqual({ threads: 256, bytes: 16384 });
  });

  it('passes a workgroup within both limits and names the kernel and the remedy past either', () => {
    const rt = withLimits({
      maxComputeInvocationsPerWorkgroup: 256,
      maxComputeWorkgroupStorageSize: 32768,
    });
    expect(() => checkWorkgroup(rt, 'k', 256, 32768, 'shrink it')).not.toThrow();
    expect(() => checkWorkgroup(rt, 'scan', 256, 32772, 'shrink it')).toThrow(
      /^scan: 256 threads and 32772 bytes .* 256 and 32768; shrink it$/,
    );
    expect(() => checkWorkgroup(rt, 'attention', 512, 16, 'use smaller tiles')).toThrow(
      /^attention: 512 threads .*; use smaller tiles$/,
    );
  });
});

describe('vec4Count', () => {
  it('counts the vec4s of a multiple of 4 and names the kernel and quantity otherwise', () => {
    expect(vec4Count('gate', 'n', 64)).toBe(16);
    expect(() => vec4Count('conv1d', 'D', 6)).toThrow(
      /^conv1d: D 6 is not a multiple of 4 \(the kernel moves vec4s\)$/,
    );
  });
});
