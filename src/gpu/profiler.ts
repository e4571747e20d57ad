// Per-launch GPU time, aggregated by launch label. Attached to a runtime, the profiler sees every
// launch that `rt.encode` records: with the adapter's 'timestamp-query' each launch's pass writes
// a begin and an end timestamp; without it, `collect` replays each recorded launch alone and times
// it on the wall clock (submit, wait), which includes submission overhead and re-runs kernels on
// live buffers (accumulating gradients, updating weights): a benchmark-only fallback.

import { median } from '../util/median';
import type { GpuRuntime, Launch, LaunchProfiler } from './runtime';

export type ProfilerMethod = 'timestamp-query' | 'wall-clock';

export interface LabelTiming {
  label: string;
  /** The WGSL file of the launches (from the runtime's pipeline label "shader:entry:…"). */
  shader: string;
  /** Launches timed under this label. */
  count: number;
  totalMs: number;
  medianMs: number;
}

// WebGPU caps a query set at 4096 queries: 2048 launches (begin + end) per set.
const QUERIES_PER_SET = 4096;

/** A timestamp query set with the buffers that resolve it and read it back. */
export class TimestampQueries {
  readonly set: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly readback: GPUBuffer;

  constructor(
    device: GPUDevice,
    readonly count: number,
  ) {
    this.set = device.createQuerySet({ type: 'timestamp', count });
    this.resolve = device.createBuffer({
      size: count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readback = device.createBuffer({
      size: count * 8,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** A pass's writes into queries q (its beginning) and q + 1 (its end). */
  pass(q: number): GPUComputePassTimestampWrites {
    return { querySet: this.set, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 };
  }

  /** Records the resolve and copy of the first n queries into `enc`. */
  encodeResolve(enc: GPUCommandEncoder, n = this.count): void {
    enc.resolveQuerySet(this.set, 0, n, this.resolve, 0);
    enc.copyBufferToBuffer(this.resolve, 0, this.readback, 0, n * 8);
  }

  /** The timestamps (nanoseconds) that encodeResolve copied, once its commands have run. */
  async read(): Promise<BigUint64Array> {
    await this.readback.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    return ts;
  }

  destroy(): void {
    for (const x of [this.set, this.resolve, this.readback]) x.destroy();
  }
}

export class Profiler implements LaunchProfiler {
  readonly method: ProfilerMethod;
  private readonly blocks: TimestampQueries[] = [];
  private recorded: Launch[] = [];
  private readonly samples = new Map<string, { shader: string; ms: number[] }>();

  /** `wall-clock` may be forced (e.g. to test the fallback); timestamps need the feature. */
  constructor(
    private readonly rt: GpuRuntime,
    method: ProfilerMethod = rt.info.features.timestamps ? 'timestamp-query' : 'wall-clock',
  ) {
    if (method === 'timestamp-query' && !rt.info.features.timestamps) {
      throw new Error("profiler: the device has no 'timestamp-query'");
    }
    this.method = method;
  }

  /** From now on `rt.encode` gives each launch its own pass and reports it here. */
  attach(): this {
    this.rt.profiler = this;
    return this;
  }

  detach(): void {
    if (this.rt.profiler === this) this.rt.profiler = undefined;
  }

  record(launch: Launch): GPUComputePassTimestampWrites | undefined {
    const i = this.recorded.length;
    this.recorded.push(launch);
    if (this.method === 'wall-clock') return undefined;
    const block = this.block(Math.floor((2 * i) / QUERIES_PER_SET));
    return block.pass((2 * i) % QUERIES_PER_SET);
  }

  private block(k: number): TimestampQueries {
    while (this.blocks.length <= k) {
      this.blocks.push(new TimestampQueries(this.rt.device, QUERIES_PER_SET));
    }
    return this.blocks[k];
  }

  /**
   * Times the launches recorded since the last collect (call it after their submission) and adds
   * them to the samples. Wall-clock mode detaches while it replays, so replays are not recorded.
   */
  async collect(): Promise<void> {
    const launches = this.recorded;
    this.recorded = [];
    if (launches.length === 0) return;
    if (this.method === 'wall-clock') {
      const attached = this.rt.profiler === this;
      this.detach();
      await this.rt.finish();
      for (const l of launches) {
        const t0 = performance.now();
        this.rt.run([l]);
        await this.rt.finish();
        this.add(l, performance.now() - t0);
      }
      if (attached) this.attach();
      return;
    }
    const used = Math.ceil((2 * launches.length) / QUERIES_PER_SET);
    const enc = this.rt.device.createCommandEncoder({ label: 'profiler.resolve' });
    for (let k = 0; k < used; k++) {
      const count = Math.min(QUERIES_PER_SET, 2 * launches.length - k * QUERIES_PER_SET);
      this.blocks[k].encodeResolve(enc, count);
    }
    this.rt.device.queue.submit([enc.finish()]);
    for (let k = 0; k < used; k++) {
      const ts = await this.blocks[k].read();
      const first = (k * QUERIES_PER_SET) / 2;
      const last = Math.min(launches.length, first + QUERIES_PER_SET / 2);
      for (let i = first; i < last; i++) {
        const q = 2 * (i - first);
        // Timestamps are in nanoseconds; an end before its begin (a driver's clock reset) is dropped.
        if (ts[q + 1] >= ts[q]) this.add(launches[i], Number(ts[q + 1] - ts[q]) / 1e6);
      }
    }
  }

  private add(launch: Launch, ms: number): void {
    let s = this.samples.get(launch.label);
    if (!s) {
      s = { shader: launch.pipeline.label.split(':')[0], ms: [] };
      this.samples.set(launch.label, s);
    }
    s.ms.push(ms);
  }

  /** Every label's timings, the largest total first. */
  report(): LabelTiming[] {
    return [...this.samples]
      .map(([label, { shader, ms }]) => ({
        label,
        shader,
        count: ms.length,
        totalMs: ms.reduce((a, b) => a + b, 0),
        medianMs: median(ms),
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /** Forgets the samples (e.g. after warm-up). */
  reset(): void {
    this.samples.clear();
  }

  destroy(): void {
    this.detach();
    for (const b of this.blocks) b.destroy();
    this.blocks.length = 0;
  }
}
