// The element types a bundle's weights may come in, read into the float32 the studio trains in,
// and go out in. The studio writes float32, or bfloat16 to share a model at half the size; a model
// halved for the Hub (`model.half()`, `.to(torch.bfloat16)`, then saved) comes in as float16 or
// bfloat16, each value widened exactly.

/** Safetensors' names for them. */
export type TensorDtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Record<TensorDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** pytorch_model.bin's storage class of each (torch.FloatStorage, ...). */
export const TORCH_STORAGE: Record<TensorDtype, string> = {
  F32: 'FloatStorage',
  F16: 'HalfStorage',
  BF16: 'BFloat16Storage',
};

/**
 * What a bundle's weights are written in: float32 as trained, or bfloat16, half the size, to share
 * a model (a bundle to train further keeps float32).
 */
export type WeightsDtype = 'F32' | 'BF16';

/** Own keys only: a name from a file ("constructor", say) is not one because objects have it. */
export const isTensorDtype = (d: string): d is TensorDtype => Object.hasOwn(DTYPE_BYTES, d);

/** The element type a pytorch_model.bin storage class holds, or undefined for another class. */
export const dtypeOfStorage = (storage: string): TensorDtype | undefined =>
  (Object.keys(TORCH_STORAGE) as TensorDtype[]).find((d) => TORCH_STORAGE[d] === storage);

/** IEEE 754 binary16 bits as a number: subnormals, infinities and NaN included. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * `count` little-endian values of `dtype` from `bytes` as float32. F32 is a view where the bytes
 * are 4-byte aligned (a copy where not); the halves are widened into a new array.
 */
export function toFloat32(bytes: Uint8Array, dtype: TensorDtype, count: number): Float32Array {
  if (dtype === 'F32') {
    return bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
      : new Float32Array(bytes.slice(0, count * 4).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const out = new Float32Array(count);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/**
 * `data` as the little-endian bytes of `dtype`: float32 a view, bfloat16 each value rounded to the
 * nearest (ties to even, as PyTorch's .to(torch.bfloat16)), NaN kept a NaN.
 */
export function fromFloat32(data: Float32Array, dtype: WeightsDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const b = bits[i];
    const nan = (b & 0x7fffffff) > 0x7f800000;
    out[i] = nan ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}
