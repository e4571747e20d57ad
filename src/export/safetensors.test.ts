import { describe, expect, it } from 'vitest';
import { concatChunks } from '../util/concatChunks';
import { randomArray } from '../util/random';
import { readSafetensors, safetensorsChunks } from './safetensors';

const tensors = [
  { name: 'a', shape: [3, 5], data: randomArray(15, 1) },
  { name: 'b.c', shape: [7], data: randomArray(7, 2) },
  { name: 'scalar', shape: [], data: Float32Array.of(4) },
];

describe('safetensors', () => {
  const bytes = concatChunks(safetensorsChunks(tensors, { format: 'pt', note: 'x' }));

  it('pads the header to 8 bytes with spaces and describes each tensor', () => {
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd().endsWith('}')).toBe(true);
    const parsed = JSON.parse(header);
    expect(parsed.__metadata__).toEqual({ format: 'pt', note: 'x' });
    expect(parsed.a).toEqual({ dtype: 'F32', shape: [3, 5], data_offsets: [0, 60] });
    expect(parsed['b.c'].data_offsets).toEqual([60, 88]);
    expect(bytes.length).toBe(8 + n + 92);
  });

  it('reads back what it wrote, also from an unaligned view', () => {
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    for (const src of [bytes, shifted.subarray(1)]) {
      const f = readSafetensors(src);
      expect(f.metadata).toEqual({ format: 'pt', note: 'x' });
      for (const t of tensors) {
        expect(f.tensors.get(t.name)?.shape).toEqual(t.shape);
        expect(f.tensors.get(t.name)?.data).toEqual(t.data);
      }
    }
  });

  it('reads float16 and bfloat16 tensors as float32, each value exactly', () => {
    // Bits and the values they stand for: normal, negative, subnormal, largest, infinite.
    const f16: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x0001, 2 ** -24],
      [0x7bff, 65504],
      [0xfc00, Number.NEGATIVE_INFINITY],
    ];
    const bf16: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x3eab, 0.333984375],
      [0x0001, 2 ** -133],
      [0x7f80, Number.POSITIVE_INFINITY],
    ];
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [5], data_offsets: [12, 22] },
    });
    const file = new Uint8Array(8 + header.length + 22);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(header.length), true);
    file.set(new TextEncoder().encode(header), 8);
    for (const [i, [bits]] of [...f16, ...bf16].entries()) {
      view.setUint16(8 + header.length + 2 * i, bits, true);
    }
    const read = readSafetensors(file);
    expect(read.tensors.get('h')).toEqual({
      shape: [2, 3],
      data: Float32Array.from(f16.map(([, v]) => v)),
    });
    expect(read.tensors.get('b')).toEqual({
      shape: [5],
      data: Float32Array.from(bf16.map(([, v]) => v)),
    });
  });

  it('rejects damaged files with a reason', () => {
    expect(() => readSafetensors(bytes.subarray(0, 5))).toThrow(/truncated/);
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(
      /past the data|cover/,
    );
    const badJson = bytes.slice();
    badJson[8] = 0x41;
    expect(() => readSafetensors(badJson)).toThrow(/not valid JSON/);
    const hugeHeader = bytes.slice();
    new DataView(hugeHeader.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(hugeHeader)).toThrow(/header length/);
    // Same length, so only the dtype changes: "F32" -> "I32" or "F16" in the header bytes.
    const retyped = (dtype: string) => {
      const b = bytes.slice();
      const at = new TextDecoder('latin1').decode(b).indexOf('"F32"');
      b.set(new TextEncoder().encode(`"${dtype}"`), at);
      return b;
    };
    expect(() => readSafetensors(retyped('I32'))).toThrow(
      /dtype I32; only F32, F16 and BF16 are supported/,
    );
    expect(() => readSafetensors(retyped('F16'))).toThrow(/do not hold shape \[3,5\] in F16/);
    expect(() =>
      readSafetensors(concatChunks([...safetensorsChunks(tensors), Uint8Array.of(0, 0, 0, 0)])),
    ).toThrow(/cover/);
  });

  it('refuses data that does not match its shape', () => {
    expect(() =>
      safetensorsChunks([{ name: 'x', shape: [2, 2], data: new Float32Array(3) }]),
    ).toThrow(/x has 3/);
  });
});
