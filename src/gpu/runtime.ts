// The GPU runtime every op builds on: a pipeline cache over the WGSL files, buffer helpers and
// pre-built launches. Launches (pipeline + bind group + grid) are made once when a model or a
// test sets up, so the step loop only records dispatches and allocates nothing.
import type { GpuContext, GpuInfo } from './device';
import { expandIncludes, type ShaderSource } from './shaders';

export class ShaderCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShaderCompileError';
  }
}

/** A scalar of a kernel's uniform `Params` struct; the struct lists them in the same order. */
export type Param = { u32: number } | { i32: number } | { f32: number };
export const u32 = (v: number): Param => ({ u32: v });
export const i32 = (v: number): Param => ({ i32: v });
export const f32 = (v: number): Param => ({ f32: v });

export type Constants = Record<string, number | boolean>;

/** A whole buffer, or a view of one ({buffer, offset, size}; offsets 256-byte aligned). */
export type Binding = GPUBuffer | GPUBufferBinding;

/** Floats in WebGPU's default minStorageBufferOffsetAlignment (256 bytes): where a view may start. */
export const BINDING_ALIGN_FLOATS = 64;

/** n floats rounded up to whole BINDING_ALIGN_FLOATS, so that what follows them binds on its own. */
export const alignToBinding = (n: number) =>
  Math.ceil(n / BINDING_ALIGN_FLOATS) * BINDING_ALIGN_FLOATS;

/** The device's workgroup limits (WebGPU's guaranteed minimums where the info lacks them). */
export function workgroupLimits(rt: Pick<GpuRuntime, 'info'>): { threads: number; bytes: number } {
  const limits = rt.info.limits;
  return {
    threads: limits.maxComputeInvocationsPerWorkgroup ?? 256,
    bytes: limits.maxComputeWorkgroupStorageSize ?? 16384,
  };
}

/**
 * Throws, naming the kernel and `remedy`, when its workgroup of `threads` threads and `bytes` of
 * workgroup memory exceeds the device's limits: a clear message before pipeline creation fails.
 */
export function checkWorkgroup(
  rt: Pick<GpuRuntime, 'info'>,
  kernel: string,
  threads: number,
  bytes: number,
  remedy: string,
): void {
  const max = workgroupLimits(rt);
  if (threads > max.threads || bytes > max.bytes) {
    throw new Error(
      `${kernel}: ${threads} threads and ${bytes} bytes of workgroup memory exceed this GPU's ` +
        `${max.threads} and ${max.bytes}; ${remedy}`,
    );
  }
}

/**
 * n / 4, the vec4s a kernel that moves four floats at a time covers; a RangeError naming the
 * kernel and the quantity where n is not a multiple of 4.
 */
export function vec4Count(kernel: string, what: string, n: number): number {
  if (n % 4 !== 0) {
    throw new RangeError(`${kernel}: ${what} ${n} is not a multiple of 4 (the kernel moves vec4s)`);
  }
  return n / 4;
}

/** A binding's buffer and byte offset, for copies. */
export function bufferAt(b: Binding): { buffer: GPUBuffer; offset: number } {
  return 'buffer' in b ? { buffer: b.buffer, offset: b.offset ?? 0 } : { buffer: b, offset: 0 };
}

/** A binding's size in bytes. */
function bindingBytes(b: Binding): number {
  const { buffer, offset } = bufferAt(b);
  return ('buffer' in b ? b.size : undefined) ?? buffer.size - offset;
}

/**
 * One binding over two tensors that lie in one buffer, `second` after `first` (a kernel's two
 * inputs or outputs through one of its 8 storage buffers), and where `second` starts in it, in
 * units of `unit` floats (4 for a kernel that reads vec4s).
 */
export function spanOf(
  kernel: string,
  first: Binding,
  second: Binding,
  unit = 1,
): { binding: GPUBufferBinding; at: number } {
  const a = bufferAt(first);
  const b = bufferAt(second);
  const gap = b.offset - a.offset;
  if (a.buffer !== b.buffer || gap < bindingBytes(first) || gap % (4 * unit) !== 0) {
    throw new Error(
      `${kernel}: its paired tensors must be views of one buffer, the second after the first at a ` +
        `multiple of ${4 * unit} bytes`,
    );
  }
  return {
    binding: { buffer: a.buffer, offset: a.offset, size: gap + bindingBytes(second) },
    at: gap / (4 * unit),
  };
}

export interface LaunchSpec {
  shader: string;
  entry?: string;
  constants?: Constants;
  /** Scalars of the uniform at binding 0; the storage buffers follow at bindings 1, 2, … */
  params: Param[];
  buffers: Binding[];
  workgroups: [number, number?, number?];
  label?: string;
}

export interface Launch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** The uniform buffer, so that a launch's scalars can be rewritten between steps. */
  uniform: GPUBuffer;
}

function packParams(params: Param[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((params.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  params.forEach((p, i) => {
    if ('u32' in p) view.setUint32(i * 4, p.u32, true);
    else if ('i32' in p) view.setInt32(i * 4, p.i32, true);
    else view.setFloat32(i * 4, p.f32, true);
  });
  return buf;
}

/** Sees every launch that `encode` records while attached (see src/gpu/profiler.ts). */
export interface LaunchProfiler {
  /** Notes the launch; returns where its pass writes timestamps, if the profiler uses them. */
  record(launch: Launch): GPUComputePassTimestampWrites | undefined;
}

export class GpuRuntime {
  readonly device: GPUDevice;
  /** When set, `encode` gives each launch its own pass and reports it here. */
  profiler: LaunchProfiler | undefined;
  readonly info: GpuInfo;
  readonly lost: Promise<GPUDeviceLostInfo>;
  private readonly shaders: ShaderSource;
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private allocated = 0;
  private uniformBytes = 0;
  private peakAllocated = 0;
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  private readonly scopes: Set<GPUBuffer>[] = [];

  constructor(ctx: Pick<GpuContext, 'device' | 'info' | 'lost'>, shaders: ShaderSource) {
    this.device = ctx.device;
    this.info = ctx.info;
    this.lost = ctx.lost;
    this.shaders = shaders;
  }

  /** Compiles a shader once; errors name the file, line and column. */
  module(name: string): Promise<GPUShaderModule> {
    let m = this.modules.get(name);
    if (!m) {
      m = this.compile(name);
      this.modules.set(name, m);
    }
    return m;
  }

  private async compile(name: string): Promise<GPUShaderModule> {
    const { code, origin } = expandIncludes(name, this.shaders);
    const module = this.device.createShaderModule({ code, label: name });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const lines = code.split('\n');
      const text = errors
        .map((e) => {
          const src = lines[e.lineNum - 1]?.trim() ?? '';
          const at = origin(e.lineNum);
          return `${at.file}.wgsl:${at.line}:${e.linePos}: ${e.message}\n    ${src}`;
        })
        .join('\n');
      throw new ShaderCompileError(`WGSL compilation failed\n${text}`);
    }
    return module;
  }

  pipeline(shader: string, constants: Constants = {}, entry = 'main'): Promise<GPUComputePipeline> {
    const key = `${shader}:${entry}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.module(shader).then(async (module) => {
        const numeric: Record<string, number> = {};
        for (const [k, v] of Object.entries(constants))
          numeric[k] = typeof v === 'boolean' ? Number(v) : v;
        // Synchronous creation inside an error scope: Dawn's Node build aborts the process on
        // createComputePipelineAsync, and the scope still reports errors as a rejection.
        this.device.pushErrorScope('validation');
        const pipeline = this.device.createComputePipeline({
          label: key,
          layout: 'auto',
          compute: { module, entryPoint: entry, constants: numeric },
        });
        const error = await this.device.popErrorScope();
        if (error) throw new ShaderCompileError(`${shader}.wgsl (${entry}): ${error.message}`);
        return pipeline;
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** A storage buffer of `bytes` (rounded up to 4), counted in the memory statistics. */
  buffer(label: string, bytes: number): GPUBuffer {
    const size = Math.ceil(bytes / 4) * 4;
    const buf = this.device.createBuffer({
      label,
      size: Math.max(16, size),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.track(buf, size);
    return buf;
  }

  /** A storage buffer holding `data`. */
  bufferFrom(label: string, data: Float32Array | Uint32Array | Int32Array): GPUBuffer {
    const buf = this.buffer(label, data.byteLength);
    this.write(buf, data);
    return buf;
  }

  write(buf: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.device.queue.writeBuffer(buf, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies `bytes` from `buf` (all of it by default) back to the CPU. */
  async read(buf: GPUBuffer, bytes = buf.size, byteOffset = 0): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, byteOffset, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** `count` floats (all of it by default) of a buffer or view, from float `offset` in it. */
  async readF32(b: Binding, count?: number, offset = 0): Promise<Float32Array> {
    const { buffer, offset: base } = bufferAt(b);
    const whole = 'buffer' in b ? bindingBytes(b) : (this.sizes.get(b) ?? b.size);
    const bytes = count !== undefined ? count * 4 : whole - offset * 4;
    return new Float32Array(await this.read(buffer, bytes, base + offset * 4));
  }

  /** Destroys the buffers of these bindings, each once (views of one buffer share it). */
  destroyAll(bindings: Iterable<Binding>): void {
    for (const buf of new Set(Array.from(bindings, (b) => bufferAt(b).buffer))) this.destroy(buf);
  }

  destroy(buf: GPUBuffer): void {
    const size = this.sizes.get(buf) ?? 0;
    this.allocated -= size;
    if (buf.usage & GPUBufferUsage.UNIFORM) this.uniformBytes -= size;
    this.sizes.delete(buf);
    buf.destroy();
  }

  /**
   * Collects every buffer this runtime makes (launch uniforms included) until `end` is called,
   * so that one owner, e.g. a model, can free all of its buffers at once.
   */
  scope(): { end: () => void; destroy: () => void } {
    const owned = new Set<GPUBuffer>();
    this.scopes.push(owned);
    return {
      end: () => {
        const i = this.scopes.indexOf(owned);
        if (i >= 0) this.scopes.splice(i, 1);
      },
      destroy: () => {
        for (const b of owned) this.destroy(b);
        owned.clear();
      },
    };
  }

  private track(buf: GPUBuffer, size: number): void {
    for (const s of this.scopes) s.add(buf);
    this.sizes.set(buf, size);
    this.allocated += size;
    this.peakAllocated = Math.max(this.peakAllocated, this.allocated);
    if (buf.usage & GPUBufferUsage.UNIFORM) this.uniformBytes += size;
  }

  /**
   * Bytes of buffers made through this runtime: now, and the most at any time; and of those now,
   * the launches' uniform buffers (a memory plan leaves them out).
   */
  memory(): { current: number; peak: number; uniforms: number } {
    return { current: this.allocated, peak: this.peakAllocated, uniforms: this.uniformBytes };
  }

  async launch(spec: LaunchSpec): Promise<Launch> {
    const pipeline = await this.pipeline(spec.shader, spec.constants, spec.entry);
    const packed = packParams(spec.params);
    const uniform = this.device.createBuffer({
      label: `${spec.label ?? spec.shader}.params`,
      size: packed.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.track(uniform, packed.byteLength);
    this.device.queue.writeBuffer(uniform, 0, packed);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    spec.buffers.forEach((b, i) => {
      entries.push({ binding: i + 1, resource: 'buffer' in b ? b : { buffer: b } });
    });
    const bindGroup = this.device.createBindGroup({
      label: spec.label ?? spec.shader,
      layout: pipeline.getBindGroupLayout(0),
      entries,
    });
    const [x, y = 1, z = 1] = spec.workgroups;
    return {
      label: spec.label ?? spec.shader,
      pipeline,
      bindGroup,
      workgroups: [x, y, z],
      uniform,
    };
  }

  /** Rewrites a launch's scalars (e.g. the step number of AdamW) before its next run. */
  setParams(launch: Launch, params: Param[]): void {
    this.device.queue.writeBuffer(launch.uniform, 0, packParams(params));
  }

  /**
   * Records launches into one compute pass of `encoder`, in order (bracketed by `timestampWrites`,
   * when given). With a profiler attached, each launch gets a pass of its own, so that the profiler
   * can time it (timestamps bracket passes).
   */
  encode(
    encoder: GPUCommandEncoder,
    launches: Launch[],
    timestampWrites?: GPUComputePassTimestampWrites,
  ): void {
    const dispatch = (pass: GPUComputePassEncoder, l: Launch) => {
      pass.setPipeline(l.pipeline);
      pass.setBindGroup(0, l.bindGroup);
      pass.dispatchWorkgroups(l.workgroups[0], l.workgroups[1], l.workgroups[2]);
    };
    if (this.profiler) {
      for (const l of launches) {
        const pass = encoder.beginComputePass({ timestampWrites: this.profiler.record(l) });
        dispatch(pass, l);
        pass.end();
      }
      return;
    }
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : undefined);
    for (const l of launches) dispatch(pass, l);
    pass.end();
  }

  /** Records and submits launches in one command buffer. */
  run(launches: Launch[]): void {
    const encoder = this.device.createCommandEncoder();
    this.encode(encoder, launches);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Resolves when all submitted work has finished. */
  finish(): Promise<void> {
    return this.device.queue.onSubmittedWorkDone();
  }
}

/** Splits a 1-D grid over x and y so neither exceeds the 65,535 workgroup limit per dimension. */
export function grid1d(workgroups: number): [number, number] {
  const x = Math.min(workgroups, 65535);
  return [Math.max(1, x), Math.max(1, Math.ceil(workgroups / 65535))];
}
