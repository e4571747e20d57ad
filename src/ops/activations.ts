// The SSM's elementwise activations: their backward kernels, and the gate's forward (the others'
// forwards are fused into the kernel that produces their input), with float64 references:
//   silu           y = x·σ(x)                       (the forward is fused into the conv's:
//                                                    conv1dForward)
//   softplus_bias  Δ = softplus(pre + bias[c])      (the step size; threshold 20 as PyTorch; the
//                                                    forward is dt_proj's matmul epilogue)
//   gate           out = y ⊙ silu(z)                (the output gate)
// Input gradients are overwritten; dbias is added through a reduction over rows.
import { type Binding, type GpuRuntime, grid1d, type Launch, u32, vec4Count } from '../gpu/runtime';
import { rowPartialFloats, rowReduction } from './rowReduction';

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
export const silu = (v: number): number => v * sigmoid(v);
/** d silu / dv. */
export const siluGrad = (v: number): number => {
  const s = sigmoid(v);
  return s * (1 + v * (1 - s));
};
/** PyTorch's softplus (beta 1, threshold 20). */
export const softplus = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));
/** d softplus / dv, 1 above the threshold where softplus is the identity. */
export const softplusGrad = (v: number): number => (v > 20 ? 1 : sigmoid(v));

/** Workgroup size of the elementwise kernels (a vec4 per thread). */
const WORKGROUP = 64;

async function elementwise(
  rt: GpuRuntime,
  shader: string,
  buffers: Binding[],
  n: number,
): Promise<Launch> {
  const n4 = vec4Count(shader, 'n', n);
  return rt.launch({
    shader,
    label: shader,
    params: [u32(n4)],
    buffers,
    workgroups: grid1d(Math.ceil(n4 / WORKGROUP)),
  });
}

/** dx = dy · silu'(x) (overwritten). */
export function siluBackward(
  rt: GpuRuntime,
  x: Binding,
  dy: Binding,
  dx: Binding,
  n: number,
): Promise<Launch> {
  return elementwise(rt, 'silu_backward', [x, dy, dx], n);
}

export interface SoftplusBiasShape {
  rows: number;
  /** A multiple of 4: the kernel moves four columns as one vec4. */
  D: number;
  /** Rows per block of dbias's first pass (default SOFTPLUS_ROWS_PER_GROUP). */
  rowsPerGroup?: number;
  /** dbias's partial sums, softplusBiasPartialFloats of them (default: a buffer of its own). */
  partials?: GPUBuffer;
}

/**
 * Half of ROWS_PER_GROUP: with a thread per four columns, blocks of 32 rows would leave the
 * i3-22m batch too few threads to keep enough loads in flight; column_sum's extra blocks are cheap.
 */
export const SOFTPLUS_ROWS_PER_GROUP = 16;

/**
 * dpre = ddelta · σ(pre + bias) (overwritten) and dbias += Σ_rows dpre: [fused dpre + partial
 * dbias, column_sum]. σ comes from the forward's output delta = softplus(pre + bias) (σ = 1 −
 * e^−delta), so the pre-activation need not be kept. The partial-sum scratch is allocated here, once.
 */
export async function softplusBiasBackward(
  rt: GpuRuntime,
  delta: Binding,
  ddelta: Binding,
  dpre: Binding,
  dbias: Binding,
  shape: SoftplusBiasShape,
): Promise<Launch[]> {
  const { rows, D } = shape;
  const D4 = vec4Count('softplus_bias_backward', 'D', D);
  const rpg = shape.rowsPerGroup ?? SOFTPLUS_ROWS_PER_GROUP;
  const red = await rowReduction(rt, 'softplus_bias_backward', dbias, rows, D, rpg, shape.partials);
  const main = await rt.launch({
    shader: 'softplus_bias_backward',
    label: 'softplus_bias_backward',
    params: [u32(rows), u32(D4), u32(red.rowsPerGroup)],
    buffers: [delta, ddelta, dpre, red.partial],
    workgroups: [Math.ceil(D4 / WORKGROUP), red.groups],
  });
  return [main, red.finish];
}

/** Floats of softplusBiasBackward's partial sums of dbias. */
export const softplusBiasPartialFloats = (shape: SoftplusBiasShape) =>
  rowPartialFloats(shape.rows, shape.D, shape.rowsPerGroup ?? SOFTPLUS_ROWS_PER_GROUP);

/** out = y ⊙ silu(z) over n floats. */
export function gateForward(
  rt: GpuRuntime,
  y: Binding,
  z: Binding,
  out: Binding,
  n: number,
): Promise<Launch> {
  return elementwise(rt, 'gate_forward', [y, z, out], n);
}

/** dy = dout · silu(z) and dz = dout · y · silu'(z), both overwritten. */
export function gateBackward(
  rt: GpuRuntime,
  y: Binding,
  z: Binding,
  dout: Binding,
  dy: Binding,
  dz: Binding,
  n: number,
): Promise<Launch> {
  return elementwise(rt, 'gate_backward', [y, z, dout, dy, dz], n);
}

export function siluForwardReference(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, silu);
}

export function siluBackwardReference(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => dy[i] * siluGrad(v));
}

export function softplusBiasForwardReference(
  pre: ArrayLike<number>,
  bias: ArrayLike<number>,
  shape: SoftplusBiasShape,
): Float64Array {
  return Float64Array.from(pre, (v, i) => softplus(v + bias[i % shape.D]));
}

/** dpre, and dbias alone (the kernel adds it to what is there). */
export function softplusBiasBackwardReference(
  pre: ArrayLike<number>,
  bias: ArrayLike<number>,
  ddelta: ArrayLike<number>,
  shape: SoftplusBiasShape,
): { dpre: Float64Array; dbias: Float64Array } {
  const dpre = Float64Array.from(pre, (v, i) => ddelta[i] * softplusGrad(v + bias[i % shape.D]));
  const dbias = new Float64Array(shape.D);
  dpre.forEach((g, i) => {
    dbias[i % shape.D] += g;
  });
  return { dpre, dbias };
}

export function gateForwardReference(y: ArrayLike<number>, z: ArrayLike<number>): Float64Array {
  return Float64Array.from(y, (v, i) => v * silu(z[i]));
}

export function gateBackwardReference(
  y: ArrayLike<number>,
  z: ArrayLike<number>,
  dout: ArrayLike<number>,
): { dy: Float64Array; dz: Float64Array } {
  return {
    dy: Float64Array.from(dout, (g, i) => g * silu(z[i])),
    dz: Float64Array.from(dout, (g, i) => g * y[i] * siluGrad(z[i])),
  };
}
