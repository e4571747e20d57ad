// Adapter and device acquisition, shared by the browser and Node (the `webgpu` package).

// The optional features the device takes: timestamp queries, for the profiler. No kernel uses
// subgroup operations or f16, so neither is requested.
export interface GpuFeatures {
  timestamps: boolean;
}

export interface GpuInfo {
  vendor: string;
  architecture: string;
  description: string;
  features: GpuFeatures;
  /** The smallest subgroup the adapter runs, as its info reports it (0 where it does not). */
  subgroupMinSize: number;
  /** Whether the adapter renders in software on the CPU (isSoftwareAdapter). */
  software: boolean;
  /** Limits granted to the device (the adapter's own, not the WebGPU defaults). */
  limits: Record<string, number>;
}

export interface GpuContext {
  /** Held so that the adapter lives as long as the device (Dawn in Node frees it on GC). */
  adapter: GPUAdapter;
  device: GPUDevice;
  info: GpuInfo;
  /** Resolves when the device is lost; `reason` is 'destroyed' when we destroyed it ourselves. */
  lost: Promise<GPUDeviceLostInfo>;
}

export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

export async function acquireGpu(
  gpu: GPU | undefined,
  powerPreference: GPUPowerPreference = 'high-performance',
): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'This browser has no WebGPU. Use a current Chrome or Edge (version 113 or later); on Linux, ' +
        'start Chrome with --enable-unsafe-webgpu or enable chrome://flags/#enable-unsafe-webgpu.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'WebGPU is present but no GPU adapter was found. Update the graphics driver, or enable ' +
        'hardware acceleration in the browser settings, then reload.',
    );
  }
  const features: GpuFeatures = { timestamps: adapter.features.has('timestamp-query') };
  const requiredFeatures: GPUFeatureName[] = features.timestamps ? ['timestamp-query'] : [];
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const ai = adapter.info;
  const info: GpuInfo = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    features,
    subgroupMinSize: ai?.subgroupMinSize ?? 0,
    software: isSoftwareAdapter(ai ?? {}),
    limits: requiredLimits,
  };
  return { adapter, device, info, lost: device.lost };
}

// The CPU renderers a browser falls back to where it has no usable GPU driver: Chrome's
// SwiftShader, Mesa's llvmpipe and lavapipe, Windows' WARP ("Microsoft Basic Render Driver").
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|lavapipe|basic render driver/i;

/**
 * Whether an adapter runs on the CPU: it says so (isFallbackAdapter, where the browser reports it)
 * or its vendor, architecture or description names a software renderer. Training there takes
 * hundreds of times longer than on a GPU.
 */
export function isSoftwareAdapter(info: {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}): boolean {
  if (info.isFallbackAdapter) return true;
  return SOFTWARE_RENDERERS.test([info.vendor, info.architecture, info.description].join(' '));
}

/** A one-line human description of the adapter, e.g. "nvidia hopper (NVIDIA H200)". */
export function describeAdapter(info: GpuInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return info.description ? `${name} (${info.description})` : name;
}
