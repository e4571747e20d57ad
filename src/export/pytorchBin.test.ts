import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/params';
import { concatChunks } from '../util/concatChunks';
import {
  contiguousStrides,
  EMBED_NAME,
  i3StateTensors,
  pytorchBinChunks,
  readPytorchBin,
  statePickle,
  TIED_HEAD_NAME,
} from './pytorchBin';

const c = PRESETS['i3-test'];
const layout = parameterLayout(c);
const params = initParameters(c, 7);

/** Offsets of each entry's data, from the local headers (signature, then name and extra lengths). */
function dataOffsets(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out = new Map<string, number>();
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const nameLen = view.getUint16(at + 26, true);
    const extraLen = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLen));
    const start = at + 30 + nameLen + extraLen;
    out.set(name, start);
    // Entries carry a 16-byte data descriptor after their data (streamed: sizes follow the data).
    const size = unzipSync(zip, { filter: (f) => f.name === name })[name].length;
    at = start + size + 16;
  }
  return out;
}

describe('pytorch_model.bin', () => {
  const bin = concatChunks(pytorchBinChunks(layout, params));

  it('has the records torch reads, every entry 64-byte aligned and stored', () => {
    const files = unzipSync(bin);
    const names = Object.keys(files);
    expect(names[0]).toBe('pytorch_model/data.pkl');
    expect(names.slice(-2)).toEqual(['pytorch_model/version', 'pytorch_model/byteorder']);
    expect(new TextDecoder().decode(files['pytorch_model/byteorder'])).toBe('little');
    expect(names.filter((n) => n.includes('/data/')).length).toBe(layout.tensors.length);
    for (const [name, start] of dataOffsets(bin)) expect(start % 64, name).toBe(0);
    // Stored: the weights appear verbatim in the archive.
    const t = layout.byName['model.layers.1.ssm.A_log'];
    const raw = new Uint8Array(params.buffer, t.offset * 4, t.size * 4);
    expect(Buffer.from(bin).indexOf(Buffer.from(raw))).toBeGreaterThan(0);
  });

  it('ties lm_head.weight to the embedding storage', () => {
    const tensors = i3StateTensors(layout);
    const head = tensors.find((t) => t.name === TIED_HEAD_NAME)!;
    const embed = tensors.find((t) => t.name === EMBED_NAME)!;
    expect(head.storageKey).toBe(embed.storageKey);
    expect(new Set(tensors.map((t) => t.storageKey)).size).toBe(layout.tensors.length);
  });

  it('reads back through its own unpickler with names, shapes and values', () => {
    const read = readPytorchBin(bin);
    expect([...read.keys()]).toEqual([...layout.tensors.map((t) => t.name), TIED_HEAD_NAME]);
    for (const t of layout.tensors) {
      expect(read.get(t.name)!.shape).toEqual(t.shape);
      expect(read.get(t.name)!.data).toEqual(params.subarray(t.offset, t.offset + t.size));
    }
    expect(read.get(TIED_HEAD_NAME)!.data).toEqual(read.get(EMBED_NAME)!.data);
  });

  it('pickles ints of every width and shapes of any rank', () => {
    const pkl = statePickle([
      { name: 'big', shape: [70000, 1], storageKey: '0' },
      { name: 'mid', shape: [300], storageKey: '1' },
      { name: 'r4', shape: [2, 1, 3, 2], storageKey: '2' },
    ]);
    expect(pkl[0]).toBe(0x80);
    expect(pkl[1]).toBe(2);
    expect(pkl.at(-1)).toBe(0x2e);
    expect(contiguousStrides([2, 1, 3, 2])).toEqual([6, 6, 2, 1]);
    expect(() => statePickle([{ name: 'x', shape: [2 ** 31], storageKey: '0' }])).toThrow(/int32/);
  });

  it('refuses a buffer of the wrong size, and archives that are not torch checkpoints', () => {
    expect(() => pytorchBinChunks(layout, new Float32Array(10))).toThrow(/10 floats/);
    expect(() => readPytorchBin(bin.subarray(0, bin.length - 30))).toThrow();
    const bad = bin.slice();
    const pkl = dataOffsets(bin).get('pytorch_model/data.pkl')!;
    bad[pkl + 2] = 0xff; // the opcode after PROTO 2
    expect(() => readPytorchBin(bad)).toThrow(/unsupported pickle opcode 0xff/);
  });
});
