// pytorch_model.bin in PyTorch's zip serialization, written by hand:
//   <archive>/data.pkl   pickle (protocol 2) of an OrderedDict name → tensor, each tensor rebuilt by
//                        torch._utils._rebuild_tensor_v2 from a persistent id
//                        ('storage', torch.FloatStorage, key, 'cpu', numel) (BFloat16Storage for a
//                        bundle in bfloat16)
//   <archive>/data/<key> the storage's raw little-endian bytes, 64-byte aligned as torch writes
//   <archive>/version    "3";  <archive>/byteorder "little" (read by torch ≥ 2.1, ignored before)
// Loads with torch.load(path, weights_only=True) from PyTorch 1.13 on.

import { unzipSync } from 'fflate';
import type { ParameterLayout } from '../model/params';
import {
  DTYPE_BYTES,
  dtypeOfStorage,
  fromFloat32,
  TORCH_STORAGE,
  toFloat32,
  type WeightsDtype,
} from './tensorDtype';
import { type ZipEntry, zipStream } from './zipStream';

export const TIED_HEAD_NAME = 'lm_head.weight';
export const EMBED_NAME = 'model.embed_tokens.weight';
/** torch.save names the archive folder after the file; any name loads. */
const ARCHIVE = 'pytorch_model';
const STORAGE_ALIGN = 64;

/** One state_dict entry: a contiguous tensor viewing a whole storage. */
export interface PickledTensor {
  name: string;
  shape: number[];
  storageKey: string;
}

const encoder = new TextEncoder();

/** Pickle opcodes: those this writer emits, and the few more that torch.save emits. */
const OP = {
  PROTO: 0x80,
  GLOBAL: 0x63, // c: "module\nname\n"
  EMPTY_TUPLE: 0x29,
  MARK: 0x28,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  REDUCE: 0x52,
  BINUNICODE: 0x58,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  NEWFALSE: 0x89,
  BINPERSID: 0x51,
  SETITEMS: 0x75,
  STOP: 0x2e,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  EMPTY_LIST: 0x5d,
  EMPTY_DICT: 0x7d,
  APPEND: 0x61,
  APPENDS: 0x65,
  SETITEM: 0x73,
  SHORT_BINUNICODE: 0x8c,
  LONG1: 0x8a,
  NEWTRUE: 0x88,
  NONE: 0x4e,
  BUILD: 0x62,
} as const;

class PickleWriter {
  private bytes: number[] = [];

  op(code: number): this {
    this.bytes.push(code);
    return this;
  }

  private u32(v: number) {
    this.bytes.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  }

  global(module: string, name: string): this {
    this.op(OP.GLOBAL);
    for (const b of encoder.encode(`${module}\n${name}\n`)) this.bytes.push(b);
    return this;
  }

  str(s: string): this {
    const b = encoder.encode(s);
    this.op(OP.BINUNICODE).u32(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  int(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new Error(`pickle: ${v} is outside the non-negative int32 range this writer supports`);
    }
    if (v < 256) this.bytes.push(OP.BININT1, v);
    else if (v < 65536) this.bytes.push(OP.BININT2, v & 255, v >>> 8);
    else this.op(OP.BININT).u32(v);
    return this;
  }

  intTuple(values: number[]): this {
    const short = [OP.EMPTY_TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][values.length];
    if (short === undefined) this.op(OP.MARK);
    for (const v of values) this.int(v);
    return this.op(short ?? OP.TUPLE);
  }

  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Row-major (contiguous) strides of a shape. */
export function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** data.pkl: OrderedDict([(name, _rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict()))…]). */
export function statePickle(tensors: PickledTensor[], storage = 'FloatStorage'): Uint8Array {
  const p = new PickleWriter();
  p.op(OP.PROTO).op(2);
  p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE).op(OP.REDUCE);
  p.op(OP.MARK);
  for (const t of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(OP.MARK);
    // The persistent id; torch's unpickler loads each key once, so repeated keys share one storage.
    p.op(OP.MARK).str('storage').global('torch', storage).str(t.storageKey).str('cpu');
    p.int(numel).op(OP.TUPLE).op(OP.BINPERSID);
    p.int(0).intTuple(t.shape).intTuple(contiguousStrides(t.shape)).op(OP.NEWFALSE);
    p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE).op(OP.REDUCE); // backward hooks
    p.op(OP.TUPLE).op(OP.REDUCE);
  }
  p.op(OP.SETITEMS).op(OP.STOP);
  return p.result();
}

// Tensors are stored little-endian, as every WebGPU platform is.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('i3 export needs a little-endian platform');
}

/**
 * The state_dict entries of an i3 model in layout order, then the tied lm_head.weight sharing the
 * embedding's storage (as torch.save writes tied parameters).
 */
export function i3StateTensors(layout: ParameterLayout): PickledTensor[] {
  const tensors = layout.tensors.map((t, i) => ({
    name: t.name,
    shape: t.shape,
    storageKey: String(i),
  }));
  const embed = tensors.find((t) => t.name === EMBED_NAME)!;
  return [...tensors, { ...embed, name: TIED_HEAD_NAME }];
}

/**
 * pytorch_model.bin as lazily produced chunks; tensor data are views of `params` in float32, or
 * their bfloat16 roundings.
 */
export function pytorchBinChunks(
  layout: ParameterLayout,
  params: Float32Array,
  dtype: WeightsDtype = 'F32',
): Iterable<Uint8Array> {
  if (params.length !== layout.totalFloats) {
    throw new Error(`params has ${params.length} floats, the layout ${layout.totalFloats}`);
  }
  const entries: ZipEntry[] = [
    {
      name: `${ARCHIVE}/data.pkl`,
      chunks: [statePickle(i3StateTensors(layout), TORCH_STORAGE[dtype])],
      align: STORAGE_ALIGN,
    },
    // Each storage is made (rounded, for bfloat16) only when the archive reaches it.
    ...layout.tensors.map((t, i) => ({
      name: `${ARCHIVE}/data/${i}`,
      chunks: {
        *[Symbol.iterator]() {
          yield fromFloat32(params.subarray(t.offset, t.offset + t.size), dtype);
        },
      },
      align: STORAGE_ALIGN,
    })),
    { name: `${ARCHIVE}/version`, chunks: [encoder.encode('3\n')], align: STORAGE_ALIGN },
    { name: `${ARCHIVE}/byteorder`, chunks: [encoder.encode('little')], align: STORAGE_ALIGN },
  ];
  return { [Symbol.iterator]: () => zipStream(entries) };
}

/** A GLOBAL the reader met: only the callables of a state_dict are understood. */
interface PickleGlobal {
  global: string;
}
interface StorageRef {
  key: string;
  dtype: string;
}
interface TensorRef {
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}
type PickleValue =
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickleGlobal
  | StorageRef
  | TensorRef
  | string
  | number
  | boolean
  | null;

const MARK = Symbol('mark');

/**
 * Runs the subset of the pickle machine that torch.save emits for a state_dict (protocol 2, as
 * torch writes it): dicts, tuples, lists, ints, strings, GLOBAL + REDUCE of OrderedDict,
 * _rebuild_tensor_v2 and _rebuild_parameter, persistent storage ids. Anything else is refused.
 */
function unpickleStateDict(bytes: Uint8Array): Map<PickleValue, PickleValue> {
  const decoder = new TextDecoder();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (PickleValue | typeof MARK)[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`data.pkl at byte ${pos}: ${why}`);
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK');
    const items = stack.splice(at) as PickleValue[];
    return items.slice(1);
  };
  const u8 = () => (pos < bytes.length ? bytes[pos++] : fail('truncated'));
  const u32 = () => {
    if (pos + 4 > bytes.length) fail('truncated');
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated');
    const s = decoder.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (n: number) => {
    if (pos + n > bytes.length) fail('truncated');
    pos += n;
    return decoder.decode(bytes.subarray(pos - n, pos));
  };
  const setItems = (items: PickleValue[]) => {
    const dict = stack.at(-1);
    if (!(dict instanceof Map)) return fail('SETITEMS on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const reduce = (fn: PickleValue, args: PickleValue): PickleValue => {
    const name = (fn as PickleGlobal)?.global;
    const a = args as PickleValue[];
    if (name === 'collections.OrderedDict') return new Map();
    if (name === 'torch._utils._rebuild_tensor_v2') {
      return {
        storage: a[0] as StorageRef,
        offset: a[1] as number,
        shape: a[2] as number[],
        stride: a[3] as number[],
      };
    }
    if (name === 'torch._utils._rebuild_parameter') return a[0];
    return fail(`unsupported callable ${name ?? typeof fn}`);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case OP.PROTO:
        u8();
        break;
      case OP.GLOBAL: {
        const module = line();
        stack.push({ global: `${module}.${line()}` });
        break;
      }
      case OP.BINPUT:
        memo.set(u8(), stack.at(-1) as PickleValue);
        break;
      case OP.LONG_BINPUT:
        memo.set(u32(), stack.at(-1) as PickleValue);
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const k = op === OP.BINGET ? u8() : u32();
        if (!memo.has(k)) fail(`memo ${k} unset`);
        stack.push(memo.get(k)!);
        break;
      }
      case OP.MARK:
        stack.push(MARK);
        break;
      case OP.EMPTY_TUPLE:
      case OP.EMPTY_LIST:
        stack.push([]);
        break;
      case OP.EMPTY_DICT:
        stack.push(new Map());
        break;
      case OP.TUPLE:
        stack.push(popMark());
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items: PickleValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(items);
        break;
      }
      case OP.APPEND: {
        const v = pop();
        (stack.at(-1) as PickleValue[]).push(v);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        (stack.at(-1) as PickleValue[]).push(...items);
        break;
      }
      case OP.SETITEM: {
        const v = pop();
        setItems([pop(), v]);
        break;
      }
      case OP.SETITEMS:
        setItems(popMark());
        break;
      case OP.BINUNICODE:
        stack.push(str(u32()));
        break;
      case OP.SHORT_BINUNICODE:
        stack.push(str(u8()));
        break;
      case OP.BININT1:
        stack.push(u8());
        break;
      case OP.BININT2:
        stack.push(u8() | (u8() << 8));
        break;
      case OP.BININT:
        stack.push(u32() | 0);
        break;
      case OP.LONG1: {
        // Little-endian two's complement; state_dict sizes fit in 53 bits.
        const n = u8();
        let v = 0;
        for (let i = 0; i < n; i++) v += u8() * 2 ** (8 * i);
        if (n > 0 && bytes[pos - 1] & 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        stack.push(op === OP.NEWTRUE);
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.BINPERSID: {
        // The persistent id: ('storage', StorageType, key, location, numel).
        const pid = pop() as PickleValue[];
        const type = (pid[1] as PickleGlobal)?.global ?? '';
        stack.push({ key: String(pid[2]), dtype: type.replace(/^torch\./, '') });
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case OP.BUILD: // the OrderedDict's state (a state_dict's _metadata): not needed
        pop();
        break;
      case OP.STOP: {
        const result = pop();
        if (!(result instanceof Map)) fail('the pickle is not a dict');
        return result as Map<PickleValue, PickleValue>;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}

/**
 * Reads the tensors of a torch.save'd state_dict (zip format) as float32: float32, float16 and
 * bfloat16 storages (tensorDtype.ts).
 */
export function readPytorchBin(
  bytes: Uint8Array,
): Map<string, { shape: number[]; data: Float32Array }> {
  const files = unzipSync(bytes);
  const pkl = Object.keys(files).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new Error('no <archive>/data.pkl: not a PyTorch zip checkpoint');
  const archive = pkl.slice(0, -'data.pkl'.length);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, value] of unpickleStateDict(files[pkl])) {
    const t = value as TensorRef;
    if (typeof name !== 'string' || !t?.storage)
      throw new Error(`entry ${String(name)} is not a tensor`);
    const dtype = dtypeOfStorage(t.storage.dtype);
    if (!dtype) {
      throw new Error(
        `${name} is ${t.storage.dtype}; only float32, float16 and bfloat16 are supported`,
      );
    }
    if (t.stride.join() !== contiguousStrides(t.shape).join())
      throw new Error(`${name} is not contiguous`);
    const raw = files[`${archive}data/${t.storage.key}`];
    if (!raw) throw new Error(`${name}: storage ${t.storage.key} is missing`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    const width = DTYPE_BYTES[dtype];
    if ((t.offset + size) * width > raw.length)
      throw new Error(`${name}: storage ${t.storage.key} is too short (truncated)`);
    const at = raw.subarray(t.offset * width, (t.offset + size) * width);
    out.set(name, { shape: t.shape, data: toFloat32(at, dtype, size) });
  }
  return out;
}
