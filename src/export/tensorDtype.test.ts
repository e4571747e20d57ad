import { describe, expect, it } from 'vitest';
import { randomArray } from '../util/random';
import { dtypeOfStorage, fromFloat32, isTensorDtype, toFloat32 } from './tensorDtype';

/** The bfloat16 bits `fromFloat32` gives each float32 given by its bits. */
const bf16Of = (...bits: number[]) =>
  Array.from(
    new Uint16Array(fromFloat32(new Float32Array(new Uint32Array(bits).buffer), 'BF16').buffer),
  );

describe('bfloat16 out of float32', () => {
  it('rounds to the nearest, ties to even, as PyTorch does', () => {
    expect(bf16Of(0x3f800000, 0xc0000000)).toEqual([0x3f80, 0xc000]); // 1, -2: exact
    expect(bf16Of(0x3f808000)).toEqual([0x3f80]); // 1 + 2^-8: a tie, to the even 1
    expect(bf16Of(0x3f818000)).toEqual([0x3f82]); // 1 + 3·2^-8: a tie, to the even above
    expect(bf16Of(0x3f808001)).toEqual([0x3f81]); // just past the tie: up
    expect(bf16Of(0x3f807fff)).toEqual([0x3f80]); // just short of it: down
    expect(bf16Of(0x7f800000, 0xff800000)).toEqual([0x7f80, 0xff80]); // ±infinity
    expect(bf16Of(0x7f7fffff)).toEqual([0x7f80]); // the largest float32 rounds to infinity
    const [nan] = bf16Of(0x7f800001); // a NaN whose payload is all in the low half stays a NaN
    expect(Number.isNaN(toFloat32(new Uint8Array(Uint16Array.of(nan).buffer), 'BF16', 1)[0])).toBe(
      true,
    );
  });

  it('comes back within half a unit of its last place, and float32 comes back as it was', () => {
    const x = randomArray(4096, 3, 10);
    const back = toFloat32(fromFloat32(x, 'BF16'), 'BF16', x.length);
    for (let i = 0; i < x.length; i++) {
      // Half a unit of bfloat16's 8-bit significand: at most 2^-8 of the value.
      expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -8);
    }
    expect(toFloat32(fromFloat32(x, 'F32'), 'F32', x.length)).toEqual(x);
  });
});

describe('the element type of a name a file gives', () => {
  it('is one of the three, and never a name every object has', () => {
    expect(['F32', 'F16', 'BF16', 'I32', 'constructor', 'toString'].map(isTensorDtype)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(dtypeOfStorage('BFloat16Storage')).toBe('BF16');
    expect(dtypeOfStorage('HalfStorage')).toBe('F16');
    expect(dtypeOfStorage('LongStorage')).toBeUndefined();
    expect(dtypeOfStorage('constructor')).toBeUndefined();
  });
});
