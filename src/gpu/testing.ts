// Test support: one GPU runtime per test worker (Dawn on whatever Vulkan driver is present;
// SwiftShader on machines without a GPU), and feature gates that say why a case is skipped.
import { describeAdapter } from './device';
import { acquireNodeGpu, nodeShaders } from './nodeGpu';
import { GpuRuntime } from './runtime';

let runtime: Promise<GpuRuntime> | undefined;

export function testRuntime(): Promise<GpuRuntime> {
  runtime ??= acquireNodeGpu().then((ctx) => {
    const rt = new GpuRuntime(ctx, nodeShaders);
    const f = ctx.info.features;
    console.info(
      `[gpu] ${describeAdapter(ctx.info)}; shader-f16 ${f.f16 ? 'yes' : 'no (f16 cases skipped)'}, ` +
        `subgroups ${f.subgroups ? 'yes' : 'no (subgroup cases skipped)'}`,
    );
    return rt;
  });
  return runtime;
}
