import { describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { PRESETS, type PresetName, presetConfig } from '../model/config';
import { decaySegments, gradientParts, parameterLayout } from '../model/params';
import { Rng, randomArray } from '../util/random';
import { compare } from './check';
import {
  type AdamWHyper,
  type AdamWState,
  adamw,
  adamwParams,
  adamwReference,
  adamwWorkgroupSegments,
  decayMask,
  decaySegmentTable,
  gradNorm,
  gradNormPartials,
  gradNormReference,
  gradNormStatsFloats,
  gradNormTables,
} from './optimizer';

// The norms: fp32 squares summed per thread over a chunk (at most 1,024 of them at n = 300,007),
// then in a tree per chunk and in order over a part's chunks; the relative error grows like
// log2(n)·2⁻²⁴ plus those runs, well under 1e-5.
const normTol = { atol: 1e-6, rtol: 1e-5 };

describe('gradient norms', () => {
  // 1 and 257: partial workgroups; 100,003: many; 300,007: chunks of 512 (more than one
  // workgroup's 256). Parts: the whole; ragged parts, one of 1 float and one that ends a float
  // after a chunk; the model's own.
  const ragged = (n: number) => [0, 1, 2, 515, 517, 1_000, 1_512, 1_513, Math.floor(n / 2)];
  const model = gradientParts(PRESETS['i3-test']).map((p) => p.start);
  const cases: [number, number[]][] = [
    [1, [0]],
    [257, [0]],
    [257, [0, 1, 256]],
    [100_003, ragged(100_003)],
    [300_007, ragged(300_007)],
    [parameterLayout(PRESETS['i3-test']).totalFloats, model],
  ];
  for (const [n, parts] of cases) {
    it(`norms and clip scale, n = ${n}, ${parts.length} parts`, async () => {
      const rt = await testRuntime();
      const g = randomArray(n, n, 0.01);
      const grads = rt.bufferFrom('grads', g);
      const partials = rt.buffer('partials', gradNormPartials(n, parts) * 4);
      const stats = rt.buffer('stats', gradNormStatsFloats(parts.length) * 4);
      const { norm } = gradNormReference(g, 1);
      // Clipping (maxNorm below the norm), not clipping (above it), and disabled (0).
      for (const maxNorm of [0.5 * norm, 2 * norm, 0]) {
        rt.run(await gradNorm(rt, grads, partials, stats, { n, maxNorm, parts }));
        const got = await rt.readF32(stats, gradNormStatsFloats(parts.length));
        const want = gradNormReference(g, maxNorm, parts);
        expect(compare(got, [want.norm, want.clipScale, ...want.partNorms], normTol)).toBeNull();
      }
      expect(gradNormReference(g, 0.5 * norm).clipScale).toBeLessThan(0.51);
      for (const b of [grads, partials, stats]) rt.destroy(b);
    });
  }

  it('chunks each part without crossing into the next, and refuses parts out of order', () => {
    const n = 300_007;
    const parts = ragged(n);
    const { chunks, partChunks } = gradNormTables(n, parts);
    expect(chunks[0]).toBe(0);
    expect(chunks.at(-1)).toBe(n);
    expect(partChunks.length).toBe(parts.length + 1);
    parts.forEach((start, g) => {
      expect(chunks[partChunks[g]]).toBe(start);
      for (let k = partChunks[g]; k < partChunks[g + 1]; k++) {
        expect(chunks[k + 1] - chunks[k]).toBeGreaterThan(0);
        expect(chunks[k + 1] - chunks[k]).toBeLessThanOrEqual(512);
      }
    });
    expect(chunks.length - 1).toBeLessThanOrEqual(1024 + parts.length);
    expect(() => gradNormTables(n, [1, 5])).toThrow(/start at 0/);
    expect(() => gradNormTables(n, [0, 5, 5])).toThrow(/increase/);
    expect(() => gradNormTables(10, [0, 10])).toThrow(/below 10/);
  });
});

// Params: |p| ≤ 1 stored in fp32 after each step (ulp ≤ 6e-8); the update lr·m̂/(√v̂+eps) is
// ≈ lr in size with fp32 relative error ~1e-6, so ≈ 1e-8. Over 5 steps atol 1e-6 bounds both
// tenfold, while a missed decay (lr·wd·p ≈ 1e-3) or a wrong bias correction is ≥ 1e-4.
const paramTol = { atol: 1e-6, rtol: 0 };
// m: an fp32 recurrence whose terms (|g·c| < 1) may cancel, so its error is a few ulp of the
// terms, not of m: atol 1e-7 (measured ≤ 1.1e-8 at clipped steps). v sums positive terms, so its
// error is relative: rtol 1e-5. Wrong β or a missing clip scale are ≥ 1e-3 relative.
const mTol = { atol: 1e-7, rtol: 1e-5 };
const vTol = { atol: 1e-12, rtol: 1e-5 };

describe('AdamW', () => {
  it('matches torch.optim.AdamW over several steps with a decay mask and clipping', async () => {
    const rt = await testRuntime();
    // Three workgroups of the kernel (1,024 elements each) and a partial fourth, with segments
    // that start inside a workgroup, at its first element and at its last vec4.
    const n = 3100;
    // Given unsorted; the first segment starts at 4, so elements 0..3 do not decay.
    const table = decaySegmentTable([
      { start: 320, decay: true },
      { start: 4, decay: true },
      { start: 64, decay: false },
      { start: 332, decay: false },
      { start: 700, decay: true },
      { start: 1020, decay: false },
      { start: 1024, decay: true },
      { start: 2044, decay: false },
      { start: 2052, decay: true },
      { start: 3076, decay: false },
    ]);
    const mask = decayMask(table, n);
    expect([
      mask[3],
      mask[4],
      mask[63],
      mask[64],
      mask[331],
      mask[332],
      mask[1019],
      mask[1020],
      mask[1023],
      mask[1024],
      mask[2043],
      mask[2044],
      mask[2051],
      mask[2052],
      mask[3075],
      mask[3076],
    ]).toEqual([0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);

    const p0 = randomArray(n, 1);
    const params = rt.bufferFrom('params', p0);
    const grads = rt.buffer('grads', n * 4);
    const m = rt.buffer('m', n * 4);
    const v = rt.buffer('v', n * 4);
    const partials = rt.buffer('partials', gradNormPartials(n) * 4);
    const normStats = rt.buffer('normStats', gradNormStatsFloats(1) * 4);
    const maxNorm = 5;
    const shape = { n, segments: table };
    const base: AdamWHyper = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    const norm = await gradNorm(rt, grads, partials, normStats, { n, maxNorm });
    const update = await adamw(rt, { params, grads, m, v, normStats }, shape, base);
    const state: AdamWState = {
      params: Float64Array.from(p0),
      m: new Float64Array(n),
      v: new Float64Array(n),
    };

    // Gradient norms ≈ 32·scale: steps 2 and 4 clip (maxNorm 5), the others do not.
    const gradScales = [0.1, 1, 0.12, 2, 0.05];
    for (let step = 1; step <= gradScales.length; step++) {
      const g = randomArray(n, 100 + step, gradScales[step - 1]);
      const hyper = { ...base, lr: base.lr * (1 - 0.1 * step) }; // a schedule moves lr
      rt.write(grads, g);
      rt.setParams(update, adamwParams(shape, hyper, step));
      rt.run([...norm, update]);
      const { clipScale } = gradNormReference(g, maxNorm);
      expect(clipScale < 1).toBe(step % 2 === 0);
      const before = Float64Array.from(state.params);
      adamwReference(state, g, mask, hyper, step, clipScale);

      if (step === 1) {
        // Closed form of the first step (m̂ = g·c, v̂ = (g·c)², c = 1 unclipped), independent of the
        // reference's code; float64 both ways, so only rounding differs.
        const first = before.map(
          (p, i) =>
            p * (1 - (mask[i] ? hyper.lr * hyper.weightDecay : 0)) -
            (hyper.lr * g[i]) / (Math.abs(g[i]) + hyper.eps),
        );
        expect(compare(state.params, first, { atol: 1e-12, rtol: 0 })).toBeNull();
      }
      expect(compare(await rt.readF32(params), state.params, paramTol)).toBeNull();
      expect(compare(await rt.readF32(m), state.m, mTol)).toBeNull();
      expect(compare(await rt.readF32(v), state.v, vTol)).toBeNull();
      // zeroGrad: the next accumulation starts from zero.
      expect((await rt.readF32(grads)).every((x) => x === 0)).toBe(true);
    }
    for (const b of [params, grads, m, v, partials, normStats]) rt.destroy(b);
  });

  it('follows many segments, several of them starting inside one workgroup', async () => {
    const rt = await testRuntime();
    // [length, decay] in floats: one-vec4 segments, neighbours with the same flag (not merged),
    // and two longer than a workgroup, so that some workgroups hold many boundaries and others
    // none. The first starts at 8; the last runs on to n, into a partial sixth workgroup.
    // biome-ignore format: several runs a line
    const runs: [number, boolean][] = [
      [4, true], [4, false], [8, false], [12, true], [100, true], [4, false], [396, true],
      [36, false], [4, true], [1500, true], [16, false], [4, false], [4, true], [260, false],
      [8, true], [64, true], [4, true], [4, false], [4, true], [2000, false], [28, true],
      [4, false],
    ];
    let start = 8;
    const list = runs.map(([length, decay]) => {
      const s = { start, decay };
      start += length;
      return s;
    });
    const n = 5 * 1024 + 12;
    const table = decaySegmentTable(list);
    const first = adamwWorkgroupSegments(table, n);
    expect(Array.from(first)).toEqual([-1, 9, 9, 19, 19, 21]);

    const p0 = randomArray(n, 21);
    const g = randomArray(n, 22, 0.1);
    // Moments as after earlier steps, v ≥ m² so that each update stays ≈ lr in size (paramTol).
    const m0 = randomArray(n, 23, 0.01);
    const v0 = new Rng(24).fillUniform(new Float32Array(n), 1e-4, 2e-4);
    const b = {
      params: rt.bufferFrom('params', p0),
      grads: rt.bufferFrom('grads', g),
      m: rt.bufferFrom('m', m0),
      v: rt.bufferFrom('v', v0),
      normStats: rt.bufferFrom('normStats', new Float32Array([0, 0.7])),
    };
    const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    rt.run([await adamw(rt, b, { n, segments: table }, hyper, 3)]);
    const state = {
      params: Float64Array.from(p0),
      m: Float64Array.from(m0),
      v: Float64Array.from(v0),
    };
    adamwReference(state, g, decayMask(table, n), hyper, 3, 0.7);
    expect(compare(await rt.readF32(b.params), state.params, paramTol)).toBeNull();
    expect(compare(await rt.readF32(b.m), state.m, mTol)).toBeNull();
    expect(compare(await rt.readF32(b.v), state.v, vTol)).toBeNull();
    expect((await rt.readF32(b.grads)).every((x) => x === 0)).toBe(true);
    for (const buf of Object.values(b)) rt.destroy(buf);
  });

  it('keeps the gradients when zeroGrad is off', async () => {
    const rt = await testRuntime();
    const n = 300;
    const g = randomArray(n, 7);
    const table = decaySegmentTable([{ start: 0, decay: true }]);
    const b = {
      params: rt.bufferFrom('params', randomArray(n, 8)),
      grads: rt.bufferFrom('grads', g),
      m: rt.buffer('m', n * 4),
      v: rt.buffer('v', n * 4),
      normStats: rt.bufferFrom('normStats', new Float32Array([0, 1])),
    };
    const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    rt.run([await adamw(rt, b, { n, segments: table, zeroGrad: false }, hyper)]);
    expect(await rt.readF32(b.grads)).toEqual(g);
    const state = {
      params: Float64Array.from(randomArray(n, 8)),
      m: new Float64Array(n),
      v: new Float64Array(n),
    };
    adamwReference(state, g, decayMask(table, n), hyper, 1, 1);
    expect(compare(await rt.readF32(b.params), state.params, paramTol)).toBeNull();
    for (const buf of Object.values(b)) rt.destroy(buf);
  });
});

describe('adamwWorkgroupSegments', () => {
  it('gives each workgroup the segment of its first element', () => {
    const table = decaySegmentTable([
      { start: 8, decay: true },
      { start: 1024, decay: false },
      { start: 1028, decay: true },
      { start: 3000, decay: false },
    ]);
    // Workgroups start at 0 (before any segment), 1024, 2048, 3072 and 4096.
    expect(Array.from(adamwWorkgroupSegments(table, 4100))).toEqual([-1, 1, 2, 3, 3]);
  });

  it('refuses what the vec4 kernel cannot update exactly', () => {
    const table = decaySegmentTable([{ start: 0, decay: true }]);
    expect(() => adamwWorkgroupSegments(table, 4102)).toThrow(/multiple of 4 parameters/);
    const unaligned = decaySegmentTable([{ start: 6, decay: true }]);
    expect(() => adamwWorkgroupSegments(unaligned, 4100)).toThrow(/starts at 6/);
    const unsorted = Uint32Array.from([8, 1, 4, 0]);
    expect(() => adamwWorkgroupSegments(unsorted, 4100)).toThrow(/must increase/);
  });

  it('accepts every preset: tensor offsets and the total are multiples of 64', () => {
    for (const name of Object.keys(PRESETS) as PresetName[]) {
      const layout = parameterLayout(presetConfig(name));
      const first = adamwWorkgroupSegments(decaySegments(layout), layout.totalFloats);
      expect(first.length).toBe(Math.ceil(layout.totalFloats / 1024));
    }
  });
});
