// model.safetensors: u64 header length, a JSON header (padded with spaces to 8 bytes) mapping each
// name to {dtype, shape, data_offsets}, then the raw little-endian data. F32 or BF16 is written;
// F32, F16 and BF16 are read, as float32 (tensorDtype.ts).

import {
  DTYPE_BYTES,
  fromFloat32,
  isTensorDtype,
  type TensorDtype,
  toFloat32,
  type WeightsDtype,
} from './tensorDtype';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const HEADER_ALIGN = 8;
/** The reference reader refuses headers over 100 MB; so does this one. */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * The header, then each tensor's data in the order given: float32 views, or bfloat16 roundings
 * made as they are pulled. `metadata` values must be strings (a rule of the format).
 */
export function safetensorsChunks(
  tensors: NamedTensor[],
  metadata: Record<string, string> = { format: 'pt' },
  dtype: WeightsDtype = 'F32',
): Iterable<Uint8Array> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const width = DTYPE_BYTES[dtype];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size * width] };
    offset += size * width;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / HEADER_ALIGN) * HEADER_ALIGN;
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return {
    *[Symbol.iterator]() {
      yield head;
      for (const t of tensors) yield fromFloat32(t.data, dtype);
    },
  };
}

/** Parses and validates a safetensors file; `label` names it in error messages. */
export function readSafetensors(bytes: Uint8Array, label = 'model.safetensors'): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`${label}: ${why}`);
  };
  if (bytes.length < 8) fail(`truncated (${bytes.length} bytes)`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) {
    fail(`header length ${headerLen} does not fit in ${bytes.length} bytes (truncated or corrupt)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)),
    );
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries: [string, HeaderEntry][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = value as HeaderEntry;
    const shapeOk = Array.isArray(e?.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0);
    const offsOk =
      Array.isArray(e?.data_offsets) &&
      e.data_offsets.length === 2 &&
      e.data_offsets.every((d) => Number.isInteger(d) && d >= 0);
    if (!shapeOk || !offsOk) fail(`tensor ${name} has a malformed shape or data_offsets`);
    if (!isTensorDtype(e.dtype)) {
      fail(`tensor ${name} has dtype ${e.dtype}; only F32, F16 and BF16 are supported`);
    }
    const [begin, end] = e.data_offsets;
    if (end - begin !== e.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype as TensorDtype]) {
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not hold shape [${e.shape}] in ${e.dtype}`,
      );
    }
    if (end > dataLen)
      fail(`tensor ${name} ends at byte ${end} past the data (${dataLen} bytes): truncated`);
    entries.push([name, e]);
  }
  // The format requires the tensors to tile the data without gaps or overlaps.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let expected = 0;
  for (const [name, e] of sorted) {
    if (e.data_offsets[0] !== expected)
      fail(`tensor ${name} starts at ${e.data_offsets[0]}, expected ${expected}`);
    expected = e.data_offsets[1];
  }
  if (expected !== dataLen) fail(`data is ${dataLen} bytes but the tensors cover ${expected}`);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    const dtype = e.dtype as TensorDtype;
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    tensors.set(name, {
      shape: e.shape,
      data: toFloat32(raw, dtype, raw.length / DTYPE_BYTES[dtype]),
    });
  }
  return { tensors, metadata };
}
