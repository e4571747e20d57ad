// Test support: one GPU runtime per test worker (Dawn on whatever Vulkan driver is present;
// SwiftShader on machines without a GPU), whose adapter the first test's output names.
import { describeAdapter } from './device';
import { acquireNodeGpu, nodeShaders } from './nodeGpu';
import { GpuRuntime } from './runtime';

let runtime: Promise<GpuRuntime> | undefined;

export function testRuntime(): Promise<GpuRuntime> {
  runtime ??= acquireNodeGpu().then((ctx) => {
    const rt = new GpuRuntime(ctx, nodeShaders);
    console.info(`[gpu] ${describeAdapter(ctx.info)}`);
    return rt;
  });
  return runtime;
}
