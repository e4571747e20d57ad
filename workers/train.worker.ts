/// <reference lib="webworker" />
// The GPU worker: it owns the WebGPU device and runs the training loop, so that the UI thread
// never waits on the GPU. It speaks only the train-worker messages of src/protocol.ts.
import { browserShaders } from '../src/gpu/browserShaders';
import { acquireGpu, describeAdapter, WebGpuUnavailableError } from '../src/gpu/device';
import { GpuRuntime } from '../src/gpu/runtime';
import { matmulSelfTest } from '../src/gpu/selfTest';
import type { TrainEvent, TrainRequest } from '../src/protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: TrainEvent) => self.postMessage(event);
let runtime: GpuRuntime | undefined;

async function init(): Promise<void> {
  try {
    const ctx = await acquireGpu(navigator.gpu);
    runtime = new GpuRuntime(ctx, browserShaders);
    ctx.lost.then((info) => {
      if (info.reason !== 'destroyed') {
        post({
          type: 'device-lost',
          message: `The GPU device was lost (${info.message || 'no reason given'}).`,
        });
      }
    });
    const selfTest = await matmulSelfTest(runtime);
    const f = ctx.info.features;
    post({
      type: 'ready',
      adapter: {
        description: describeAdapter(ctx.info),
        f16: f.f16,
        subgroups: f.subgroups,
        timestamps: f.timestamps,
      },
      selfTest,
    });
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) post({ type: 'gpu-unavailable', message: e.message });
    else post({ type: 'error', message: (e as Error).message });
  }
}

self.onmessage = (ev: MessageEvent<TrainRequest>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init':
      void init();
      break;
  }
};
