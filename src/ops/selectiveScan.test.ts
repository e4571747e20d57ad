import { describe, expect, it, vi } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { randomArray } from '../util/random';
import { compare, finiteDifference } from './check';
import {
  createSelectiveScanStates,
  randomScanInputs,
  type SelectiveScanGradients,
  type SelectiveScanInputs,
  type SelectiveScanShape,
  scanGradientBuffers,
  scanInputBuffers,
  selectiveScanBackward,
  selectiveScanBackwardReference,
  selectiveScanBufferBytes,
  selectiveScanExpCount,
  selectiveScanForward,
  selectiveScanGeometry,
  selectiveScanReference,
} from './selectiveScan';

// GPU (fp32) against the float64 reference. Inputs are O(1), Δ ≤ 0.5 and exp(Δ·A) ≤ 1, so states
// and outputs stay O(1–10) and each value is a sum of at most a few hundred rounded terms: fp32
// rounding (2⁻²⁴ ≈ 6e-8 per operation) gives errors of about 1e-7 (1.4e-7 observed for y at T 37).
// A wrong index, chunk boundary or missing term moves values by O(0.01–1).
const forwardTol = { atol: 1e-5, rtol: 1e-5 };
// Gradients sum more terms (dDskip over all B·T rows, largest error observed 1.2e-6 at T 37;
// dA_log over rows, dBt/dCt over channels): same reasoning, a few times the margin.
const gradTol = { atol: 3e-5, rtol: 1e-5 };
// Central differences in float64 with h = 1e-5: truncation h²·|f'''| ≲ 1e-9 and cancellation
// 1e-16·|L|/h ≲ 1e-9 for these O(10) losses, so 1e-6 separates a right gradient from a wrong one.
const fdTol = { atol: 1e-6, rtol: 1e-6 };

type Inputs = { [K in keyof SelectiveScanInputs]: Float32Array };
const inputNames = ['u', 'delta', 'ALog', 'Bt', 'Ct', 'Dskip'] as const;

/** Steps t0..t1−1 of every sequence of a (B·T, width) array, packed as (B·(t1−t0), width). */
function stepRange(
  a: ArrayLike<number>,
  s: { B: number; T: number },
  width: number,
  t0: number,
  t1: number,
): Float32Array {
  const out = new Float32Array(s.B * (t1 - t0) * width);
  for (let b = 0; b < s.B; b++) {
    for (let i = 0; i < (t1 - t0) * width; i++)
      out[b * (t1 - t0) * width + i] = a[(b * s.T + t0) * width + i];
  }
  return out;
}

/** The per-step inputs (u, Δ, Bt, Ct) of steps t0..t1−1; A_log and Dskip unchanged. */
function stepsOf(x: Inputs, s: SelectiveScanShape, t0: number, t1: number): Inputs {
  return {
    ...x,
    u: stepRange(x.u, s, s.D, t0, t1),
    delta: stepRange(x.delta, s, s.D, t0, t1),
    Bt: stepRange(x.Bt, s, s.N, t0, t1),
    Ct: stepRange(x.Ct, s, s.N, t0, t1),
  };
}

type Inputs64 = { [K in keyof SelectiveScanInputs]: Float64Array };

function float64(x: Inputs): Inputs64 {
  return Object.fromEntries(inputNames.map((k) => [k, Float64Array.from(x[k])])) as Inputs64;
}

/** L = Σ dy⊙y of the reference forward, reading x afresh (for finite differences). */
function lossOf(x: Inputs64, dy: Float32Array, shape: SelectiveScanShape): () => number {
  return () => {
    const { y } = selectiveScanReference(x, shape);
    let l = 0;
    for (let i = 0; i < y.length; i++) l += dy[i] * y[i];
    return l;
  };
}

/** Expected state slots: 0 the final state, k ≥ 1 the state after step k·chunk − 1. */
function expectedStates(h: Float64Array, s: SelectiveScanShape, chunk: number): Float64Array {
  const nChunks = Math.ceil(s.T / chunk);
  const dn = s.D * s.N;
  const out = new Float64Array(nChunks * s.B * dn);
  for (let k = 0; k < nChunks; k++) {
    const t = k === 0 ? s.T - 1 : k * chunk - 1;
    for (let b = 0; b < s.B; b++) {
      out.set(h.subarray((b * s.T + t) * dn, (b * s.T + t + 1) * dn), (k * s.B + b) * dn);
    }
  }
  return out;
}

// These shapes are far below MIN_THREADS, so by default a thread holds one channel; most cases
// ask for 4 (what i3-22m runs) or 2 and 3 explicitly.
const cases: { name: string; shape: SelectiveScanShape }[] = [
  { name: 'i3-test B2 T16 D16 N4, one chunk', shape: { B: 2, T: 16, D: 16, N: 4 } },
  {
    name: 'i3-test, chunk 4, 4 channels a thread',
    shape: { B: 2, T: 16, D: 16, N: 4, chunk: 4, channelsPerThread: 4 },
  },
  {
    name: 'T 37, chunk 16 (ragged last chunk), 4 channels a thread',
    shape: { B: 2, T: 37, D: 16, N: 4, chunk: 16, channelsPerThread: 4 },
  },
  { name: 'T 5, shorter than a chunk', shape: { B: 1, T: 5, D: 16, N: 4 } },
  {
    name: 'D 13, N 8, chunk 8, 4 channels a thread',
    shape: { B: 2, T: 19, D: 13, N: 8, chunk: 8, channelsPerThread: 4 },
  },
  // 3 lanes per channel group, 2 groups (8 channels) per workgroup and 2 idle threads: 2
  // workgroups along D, the second with 5 channels, 3 of them past D.
  {
    name: 'N 12 over 3 lanes, 2 workgroups along D, idle threads',
    shape: { B: 2, T: 21, D: 13, N: 12, chunk: 8, workgroupSize: 8, channelsPerThread: 4 },
  },
  // D not a multiple of the workgroup's channels, with a ragged last chunk.
  ...[16, 64].map((workgroupSize) => ({
    name: `N 16, D 11, T 23 on ${workgroupSize} threads, 4 channels a thread`,
    shape: { B: 2, T: 23, D: 11, N: 16, chunk: 8, workgroupSize, channelsPerThread: 4 },
  })),
  // Two and three channels a thread (three: groups straddle D = 13 unevenly).
  ...[2, 3].map((channelsPerThread) => ({
    name: `${channelsPerThread} channels a thread, N 8, T 20`,
    shape: { B: 1, T: 20, D: 13, N: 8, chunk: 16, workgroupSize: 32, channelsPerThread },
  })),
  // A 4.5 KiB budget halves the backward's workgroups (2 along D) but not the forward's (1).
  {
    name: 'a 4.5 KiB workgroup budget, N 16, D 13',
    shape: { B: 2, T: 23, D: 13, N: 16, chunk: 8, workgroupBytes: 4608, channelsPerThread: 4 },
  },
  {
    name: 'chunk 13, T 37: pieces of 8 and 5, a ragged last chunk',
    shape: { B: 2, T: 37, D: 13, N: 8, chunk: 13 },
  },
  // The finishing pass sums parts four at a time: 5 sequences (dA_log, dDskip) and 7 channel
  // workgroups of 2 channels (dBt, dCt) leave a remainder after the fours.
  {
    name: 'B 5, 7 workgroups along D: parts in fours and a remainder',
    shape: { B: 5, T: 9, D: 13, N: 4, chunk: 4, workgroupSize: 2, channelsPerThread: 1 },
  },
];

describe('selective scan: CPU reference', () => {
  it('backward matches float64 central differences of L = Σ dy⊙y for every input', () => {
    const shape = { B: 2, T: 16, D: 16, N: 4 };
    const x = float64(randomScanInputs(shape, 11));
    const dy = randomArray(shape.B * shape.T * shape.D, 12);
    const loss = lossOf(x, dy, shape);
    const grads = selectiveScanBackwardReference(x, dy, shape);
    const gradOf: Record<keyof SelectiveScanInputs, keyof SelectiveScanGradients> = {
      u: 'du',
      delta: 'dDelta',
      ALog: 'dALog',
      Bt: 'dBt',
      Ct: 'dCt',
      Dskip: 'dDskip',
    };
    for (const k of inputNames) {
      const fd = finiteDifference(loss, x[k]);
      expect(compare(grads[gradOf[k]], fd, fdTol), k).toBeNull();
    }
  });

  it('continuing from a mid-sequence state h0 equals the uninterrupted run', () => {
    const shape = { B: 2, T: 6, D: 5, N: 3 };
    const dn = shape.D * shape.N;
    const x = randomScanInputs(shape, 3);
    const full = selectiveScanReference(x, shape);
    // Stop after step 1, then run steps 2..5 from the state h_1.
    const h1 = new Float64Array(shape.B * dn);
    for (let b = 0; b < shape.B; b++) {
      h1.set(full.h.subarray((b * shape.T + 1) * dn, (b * shape.T + 2) * dn), b * dn);
    }
    const rest = selectiveScanReference(stepsOf(x, shape, 2, 6), { ...shape, T: 4 }, h1);
    const want = stepRange(full.y, shape, shape.D, 2, 6);
    // Float32 `want` holds the float64 y rounded once: 1e-6 relative covers that rounding.
    expect(compare(rest.y, want, { atol: 1e-7, rtol: 1e-6 })).toBeNull();
  });
});

describe('selective scan: GPU', () => {
  for (const { name, shape } of cases) {
    it(`forward and backward: ${name}`, async () => {
      const rt = await testRuntime();
      const { B, T, D, N } = shape;
      const rows = B * T;
      const chunk = shape.chunk ?? 16;
      const x = randomScanInputs(shape, B * 1000 + T * 10 + N);
      const dy = randomArray(rows * D, T + 7);
      const dALog0 = randomArray(D * N, T + 8);
      const dDskip0 = randomArray(D, T + 9);
      const inBufs = scanInputBuffers(rt, x);
      const outBufs = {
        y: rt.buffer('y', rows * D * 4),
        states: createSelectiveScanStates(rt, shape),
        dy: rt.bufferFrom('dy', dy),
        ...scanGradientBuffers(rt, shape, 'scan', { dALog: dALog0, dDskip: dDskip0 }),
        scratch: rt.buffer('scratch', selectiveScanBufferBytes(shape).scratch),
      };
      const fwd = await selectiveScanForward(rt, { ...inBufs, ...outBufs }, shape);
      const bwd = await selectiveScanBackward(rt, { ...inBufs, ...outBufs }, shape);
      rt.run([fwd, ...bwd]);

      const ref = selectiveScanReference(x, shape);
      expect(compare(await rt.readF32(outBufs.y), ref.y, forwardTol), 'y').toBeNull();
      const states = await rt.readF32(outBufs.states);
      expect(compare(states, expectedStates(ref.h, shape, chunk), forwardTol), 'states').toBeNull();

      const g = selectiveScanBackwardReference(x, dy, shape);
      const accumulated = (g0: Float32Array, d: Float64Array) => d.map((v, i) => v + g0[i]);
      const want: [keyof typeof outBufs, ArrayLike<number>][] = [
        ['du', g.du],
        ['dDelta', g.dDelta],
        ['dBt', g.dBt],
        ['dCt', g.dCt],
        ['dALog', accumulated(dALog0, g.dALog)],
        ['dDskip', accumulated(dDskip0, g.dDskip)],
      ];
      for (const [k, w] of want) {
        expect(compare(await rt.readF32(outBufs[k]), w, gradTol), k).toBeNull();
      }
      // A second backward overwrites du…dCt (same values) and adds once more to dA_log, dDskip.
      rt.run(bwd);
      expect(compare(await rt.readF32(outBufs.du), g.du, gradTol), 'du again').toBeNull();
      expect(compare(await rt.readF32(outBufs.dBt), g.dBt, gradTol), 'dBt again').toBeNull();
      const twice = (g0: Float32Array, d: Float64Array) => d.map((v, i) => 2 * v + g0[i]);
      const dALog2 = twice(dALog0, g.dALog);
      expect(compare(await rt.readF32(outBufs.dALog), dALog2, gradTol), 'dALog += ').toBeNull();
      const dDskip2 = twice(dDskip0, g.dDskip);
      expect(compare(await rt.readF32(outBufs.dDskip), dDskip2, gradTol), 'dDskip +=').toBeNull();
      rt.destroyAll([...Object.values(inBufs), ...Object.values(outBufs)]);
    });
  }

  it('backward matches central differences of the forward directly (i3-test, chunk 4)', async () => {
    const rt = await testRuntime();
    const shape = { B: 2, T: 16, D: 16, N: 4, chunk: 4 };
    const rows = shape.B * shape.T;
    const x32 = randomScanInputs(shape, 21);
    const dy = randomArray(rows * shape.D, 22);
    const inBufs = scanInputBuffers(rt, x32);
    const outBufs = {
      y: rt.buffer('y', rows * shape.D * 4),
      states: createSelectiveScanStates(rt, shape),
      dy: rt.bufferFrom('dy', dy),
      ...scanGradientBuffers(rt, shape),
    };
    const fwd = await selectiveScanForward(rt, { ...inBufs, ...outBufs }, shape);
    rt.run([fwd, ...(await selectiveScanBackward(rt, { ...inBufs, ...outBufs }, shape))]);
    const x = float64(x32);
    const loss = lossOf(x, dy, shape);
    const gradBuf = {
      u: outBufs.du,
      delta: outBufs.dDelta,
      ALog: outBufs.dALog,
      Bt: outBufs.dBt,
      Ct: outBufs.dCt,
      Dskip: outBufs.dDskip,
    };
    for (const k of inputNames) {
      const fd = finiteDifference(loss, x[k]);
      expect(compare(await rt.readF32(gradBuf[k]), fd, gradTol), k).toBeNull();
    }
    rt.destroyAll([...Object.values(inBufs), ...Object.values(outBufs)]);
  });
});

describe('selective scan: paired bindings', () => {
  it('refuses inputs or outputs whose pairs are not laid out in one buffer, naming the kernel', async () => {
    const rt = await testRuntime();
    const shape = { B: 1, T: 4, D: 8, N: 4 };
    const rows = shape.B * shape.T;
    const x = randomScanInputs(shape, 51);
    const paired = scanInputBuffers(rt, x);
    const y = rt.buffer('y', rows * shape.D * 4);
    const states = createSelectiveScanStates(rt, shape);
    // Ct in a buffer of its own: the forward could not bind Bt and Ct as one span.
    const Ct = rt.bufferFrom('Ct alone', x.Ct);
    expect(() => selectiveScanForward(rt, { ...paired, Ct, y, states }, shape, 'scan.fwd')).toThrow(
      /scan\.fwd: its paired tensors must be views of one buffer/,
    );
    // du and dDelta the wrong way round in their buffer: refused, not bound so.
    const grads = scanGradientBuffers(rt, shape);
    const swapped = { ...grads, du: grads.dDelta, dDelta: grads.du };
    const dy = rt.buffer('dy', rows * shape.D * 4);
    await expect(
      selectiveScanBackward(rt, { ...paired, ...swapped, states, dy }, shape, 'scan.bwd'),
    ).rejects.toThrow(
      /scan\.bwd: its paired tensors must be views of one buffer, the second after/,
    );
    rt.destroyAll([...Object.values(paired), ...Object.values(grads), y, states, Ct, dy]);
  });
});

describe('selective scan: memory', () => {
  const bigShape = (s: SelectiveScanShape) => 4 * s.B * s.T * s.D * s.N;

  it('allocates only what selectiveScanBufferBytes says, none of it B·T·D·N floats', async () => {
    const rt = await testRuntime();
    const shape = { B: 2, T: 16, D: 16, N: 4, chunk: 4 };
    const rows = shape.B * shape.T;
    const x = randomScanInputs(shape, 41);
    const io = {
      ...scanInputBuffers(rt, x),
      y: rt.buffer('y', rows * shape.D * 4),
      dy: rt.buffer('dy', rows * shape.D * 4),
      ...scanGradientBuffers(rt, shape),
    };
    const spy = vi.spyOn(rt, 'buffer');
    const states = createSelectiveScanStates(rt, shape);
    await selectiveScanForward(rt, { ...io, states }, shape);
    const bwd = await selectiveScanBackward(rt, { ...io, states }, shape);
    const sizes = spy.mock.calls.map((call) => call[1]);
    spy.mockRestore();
    const bytes = selectiveScanBufferBytes(shape);
    expect(sizes).toEqual([bytes.states, bytes.scratch]);
    for (const size of sizes) expect(size).toBeLessThan(bigShape(shape));
    // The allocation happened once, at build time: replaying allocates nothing.
    const before = rt.memory().current;
    rt.run(bwd);
    await rt.finish();
    expect(rt.memory().current).toBe(before);
    rt.destroyAll([...Object.values(io), states]);
  });

  it('sizes the backward scratch by the workgroup budget: less memory, more workgroups', () => {
    const shape = { B: 2, T: 23, D: 13, N: 16, chunk: 8, channelsPerThread: 4 };
    const roomy = selectiveScanBufferBytes(shape);
    const tight = selectiveScanBufferBytes({ ...shape, workgroupBytes: 4608 });
    expect(tight.states).toBe(roomy.states);
    // One more channel workgroup's dBt and dCt partial sums: 2 × rows × N floats.
    expect(tight.scratch - roomy.scratch).toBe(4 * 2 * shape.B * shape.T * shape.N);
  });

  it('keeps the i3-22m backward to 128 threads and under 24 KiB: two share an H200 multiprocessor', () => {
    // 48 KiB a multiprocessor held two 22 KiB workgroups but one of 30 KiB (runs X2-X3), which
    // took the backward from 0.525 to 0.382 ms: a stage or a buffer more would undo that. Each
    // workgroup also costs the 1 KiB the hardware reserves a workgroup.
    const g = selectiveScanGeometry({ B: 16, T: 256, D: 512, N: 64 });
    expect(g.backward.threads).toBe(128);
    expect(g.backward.bytes).toBeLessThanOrEqual(24 * 1024 - 1024);
    // The forward: blocks of 8 steps, its stage and y parts 23 KiB with the padding slot per step
    // (8) and channel group (8) of its y parts: two a multiprocessor, like the backward.
    expect(g.forward).toEqual({ threads: 128, bytes: 23 * 1024, block: 8 });
  });

  it("picks a forward block that divides the chunk: the chunk's state is stored after a block", () => {
    const block = (chunk: number) =>
      selectiveScanGeometry({ B: 2, T: 40, D: 16, N: 16, chunk }).forward.block;
    expect([16, 8, 6, 13].map(block)).toEqual([8, 8, 2, 1]);
    expect(() => selectiveScanGeometry({ B: 2, T: 40, D: 16, N: 16, chunk: 12, block: 8 })).toThrow(
      /block 8 must divide the chunk/,
    );
  });

  it('gives a thread 4 channels at i3-22m (B 16) and 1 at i3-tiny, by the threads they leave', () => {
    const channels = (shape: SelectiveScanShape) => selectiveScanGeometry(shape).channelsPerThread;
    expect(channels({ B: 16, T: 256, D: 512, N: 64 })).toBe(4); // 32,768 threads
    expect(channels({ B: 8, T: 256, D: 512, N: 64 })).toBe(4); // 16,384: MIN_THREADS exactly
    expect(channels({ B: 16, T: 128, D: 128, N: 16 })).toBe(1); // 8,192 with one channel each
  });

  it('keeps the i3-22m layer (B16 T256 D512 N64) far below the full state history', () => {
    for (const shape of [
      { B: 16, T: 256, D: 512, N: 64, chunk: 16, workgroupSize: 256 },
      { B: 16, T: 256, D: 512, N: 64 },
      { B: 16, T: 128, D: 128, N: 16, chunk: 8 },
    ]) {
      const bytes = selectiveScanBufferBytes(shape);
      // states: one per chunk (1/16 of the history at chunk 16); scratch: partial sums.
      expect(bytes.states).toBeLessThanOrEqual(bigShape(shape) / 8);
      expect(bytes.scratch).toBeLessThan(bigShape(shape) / 2);
    }
  });
});

describe('selective scan: exp2 count', () => {
  it('counts each decay the kernels evaluate: padded blocks and pieces, and whole walks', () => {
    const perStep = 2 * 3 * 4; // B·D·N
    // Chunks of 16 at T 256: adjoint and recompute once a step, a walk through half of each chunk.
    expect(selectiveScanExpCount({ B: 2, T: 256, D: 3, N: 4 })).toEqual({
      forward: 256 * perStep,
      backward: 2.5 * 256 * perStep,
    });
    // Chunk 13 at T 37: chunks of 13, 13 and 11, each two pieces run as 8 + 8 steps, and a walk of
    // 8 steps to each second piece.
    expect(selectiveScanExpCount({ B: 2, T: 37, D: 3, N: 4, chunk: 13 })).toEqual({
      forward: 37 * perStep,
      backward: (3 * 2 * 2 * 8 + 3 * 8) * perStep,
    });
    // T 20 in chunks of 16: the forward's blocks of 8 run 24 steps; the backward's three pieces
    // (8 + 8, then 4 padded to 8) run 24 twice, with a walk of 8 to the second.
    expect(selectiveScanExpCount({ B: 2, T: 20, D: 3, N: 4 })).toEqual({
      forward: 24 * perStep,
      backward: (2 * 3 * 8 + 8) * perStep,
    });
  });
});
