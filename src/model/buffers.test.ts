import { describe, expect, it } from 'vitest';
import { bufferPlan, bufferTooLarge, estimateGpuBytes } from './buffers';
import { presetConfig } from './config';

describe('memory plan', () => {
  it("plans one set of kept outputs per layer in 'keep' mode, within 3 GB at i3-22m", () => {
    const c = presetConfig('i3-22m');
    const shape = { B: 16, T: 256 };
    const keep = bufferPlan(c, shape, 'keep');
    const recompute = bufferPlan(c, shape, 'recompute');
    const rows = 16 * 256;
    const kept: Record<string, number> = {
      y: rows * 512,
      a: rows * 512,
      delta: rows * 512,
      lse: 16 * 16 * 256, // B·H·T
      scanStates: 16 * 16 * 512 * 64, // T/16 chunk boundaries · B·D·N
      h1: rows * 128,
      o1: rows * 128,
      c: rows * 128,
      attnO1: rows * 128,
      dl: rows * 32,
      bc: 2 * rows * 64, // Bt and Ct, a group (one buffer)
    };
    expect(Object.keys(keep).sort()).toEqual(Object.keys(recompute).sort());
    for (const [name, floats] of Object.entries(recompute)) {
      // One shared set when recomputing, one per layer when keeping; every other buffer alike.
      expect(floats, name).toBe(kept[name] ?? floats);
      expect(keep[name], name).toBe(name in kept ? 24 * kept[name] : floats);
    }
    // 23 more sets of 70.0 MB: 1.61 GB on top of the 1.25 GB of 'recompute'.
    const extra = 23 * 4 * Object.values(kept).reduce((a, b) => a + b, 0);
    const recomputeBytes = estimateGpuBytes(c, shape, 'recompute');
    expect(estimateGpuBytes(c, shape, 'keep')).toBe(recomputeBytes + extra);
    expect(recomputeBytes + extra).toBeLessThan(3e9);
  });

  it('names the largest buffer when it is over what the device makes', () => {
    const c = presetConfig('i3-22m');
    const shape = { B: 16, T: 256 };
    // 'keep': the scan's chunk states of all 24 layers are the largest, 768 MiB; 'recompute':
    // the residual stream, 49 slots of 4,096 rows × 512 (392 MiB).
    expect(bufferTooLarge(c, shape, 'keep', 768 * 2 ** 20)).toBeUndefined();
    expect(bufferTooLarge(c, shape, 'keep', 512 * 2 ** 20)).toBe(
      'At batch 16 × 256 this model needs a 768 MiB buffer (scanStates), and this GPU makes ' +
        "buffers of at most 512 MiB: set activations to 'recompute', or lower the batch " +
        '(gradient accumulation keeps the tokens per step) or the context.',
    );
    expect(bufferTooLarge(c, shape, 'recompute', 392 * 2 ** 20)).toBeUndefined();
    expect(bufferTooLarge(c, shape, 'keep', 256 * 2 ** 20)).toMatch(
      /768 MiB buffer \(scanStates\), and this GPU makes buffers of at most 256 MiB: lower the batch/,
    );
  });
});
