// npm run bench — full i3 training steps on the GPU (forward, loss, backward, gradient-norm clip,
// AdamW) at batch 16 × 256 of i3-22m on random tokens, after warm-up steps: tokens/s and
// ms/step (median; each step ends with the loss/grad-norm readback and, as in the studio's
// trainer, the next step is queued before that readback is awaited), achieved TFLOP/s, peak GPU
// memory, then a few profiled steps for the per-kernel breakdown (profiled steps give each launch
// a pass of its own, so they are not the ones timed for tokens/s).
//
// FLOPs per token (a multiply-add counts 2; B·T tokens per step):
//   model FLOPs    = 6·P_mm + 6·L·T·D + 21·L·D·N
//     P_mm = L·(11·D·r + (R + 2N)·D + R·D) + V·D   weights that enter matmuls (tied head once)
//     6·L·T·D    causal attention: QKᵀ and PV over T/2 keys on average, ×3 for fwd + bwd
//     21·L·D·N   selective scan: 7 per (c, n) forward (Δ·A, exp, decay·h, Δu·B, C·h), ×3
//   hardware FLOPs = model FLOPs + the forward of every block again (the backward recomputes each
//     half-block's activations): + 2·(P_mm − V·D), and + 2·L·T·D + 7·L·D·N for the attention and
//     scan kernels unless their outputs are kept (--activations keep, the default).
//   Not counted: elementwise ops, norms and the conv (< 1%), and recomputation inside kernels (the
//   scan backward's chunk states, the attention backward's scores in both of its passes).
//
//   tsx src/cli/bench.ts [--preset i3-22m] [--batch 16] [--seq 256] [--steps 20] [--warmup 5]
//                        [--profile-steps 3] [--activations keep|recompute] [--json out.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Profiler } from '../gpu/profiler';
import {
  ACTIVATION_MODES,
  type ActivationMode,
  DEFAULT_ACTIVATIONS,
  estimateGpuBytes,
} from '../model/buffers';
import { type I3Config, parameterCount, presetConfig } from '../model/config';
import { defaultTrainingOptions, I3Model } from '../model/i3';
import { initParameters } from '../model/init';
import { timeSteps } from '../train/stepTiming';
import { median } from '../util/median';
import { Rng } from '../util/random';
import { intFlag, presetOf } from './args';
import {
  adapterLine,
  benchRuntime,
  fmt,
  measureCeilings,
  measureDispatchCost,
  table,
} from './benchSetup';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'i3-22m' },
    batch: { type: 'string', default: '16' },
    seq: { type: 'string' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    'profile-steps': { type: 'string', default: '3' },
    activations: { type: 'string', default: DEFAULT_ACTIVATIONS },
    json: { type: 'string' },
  },
});

/** The header's formulas, per token. */
export function flopsPerToken(c: I3Config, T: number, activations: ActivationMode) {
  const { vocab_size: V, d_model: D, n_layers: L, d_state: N, rank: r, dt_rank: R } = c;
  const blockMatmul = L * (11 * D * r + (R + 2 * N) * D + R * D);
  const pMatmul = blockMatmul + V * D;
  const attention = 2 * L * T * D;
  const scan = 7 * L * D * N;
  const model = 6 * pMatmul + 3 * attention + 3 * scan;
  // The backward's recompute of each half stops before out_proj.up; 'keep' also skips the scan,
  // attention, the kept narrow products and Δ (buffers.ts), leaving in_proj.up and q, k, v.
  const recomputed =
    activations === 'keep'
      ? 2 * L * 5 * D * r
      : 2 * (blockMatmul - 2 * L * D * r) + attention + scan;
  return { pMatmul, model, hardware: model + recomputed };
}

async function main() {
  const preset = presetOf(values.preset);
  const config = presetConfig(preset);
  const B = intFlag('batch', values.batch);
  const T = intFlag('seq', values.seq ?? String(config.max_seq_len));
  const steps = intFlag('steps', values.steps);
  const warmup = intFlag('warmup', values.warmup);
  const profileSteps = intFlag('profile-steps', values['profile-steps']);
  const activations = values.activations as ActivationMode;
  if (!ACTIVATION_MODES.includes(activations)) {
    throw new Error(`--activations must be ${ACTIVATION_MODES.join(' or ')}`);
  }
  const tokens = B * T;

  const rt = await benchRuntime();
  console.log(
    `# bench — ${preset} training steps, batch ${B} × T ${T} = ${tokens} tokens/step, activations ${activations}`,
  );
  console.log(`adapter: ${adapterLine(rt)}`);
  const model = await I3Model.create(
    rt,
    config,
    { B, T },
    { ...defaultTrainingOptions(), activations },
  );
  model.loadState(initParameters(config, 1));
  const rng = new Rng(2);
  // Ids from 1: the pad id 0 would drop targets from the loss.
  const batch = () =>
    Uint32Array.from({ length: B * (T + 1) }, () => 1 + rng.int(config.vocab_size - 1));
  const lr = 6e-4;
  let stepNo = 0;
  const run = () => model.step([batch()], lr, ++stepNo);

  let first = await run();
  for (let i = 1; i < warmup; i++) first = await run();
  // While the CPU's part of a step is shorter than the GPU's, queued steps keep the GPU busy.
  const { ms, cpuMs, last } = await timeSteps(run, steps);
  const stepMs = median(ms);
  const tokPerS = tokens / (stepMs / 1e3);
  const f = flopsPerToken(config, T, activations);
  const modelTflops = (f.model * tokPerS) / 1e12;
  const hwTflops = (f.hardware * tokPerS) / 1e12;
  const mem = rt.memory();
  // After the memory reading: the ceilings' buffers are not the model's.
  const ceilings = await measureCeilings(rt, preset === 'i3-22m', 10);
  const dispatch = await measureDispatchCost(rt);

  const profiler = new Profiler(rt).attach();
  for (let i = 0; i < profileSteps; i++) {
    await run();
    await profiler.collect();
  }
  profiler.destroy();
  const timings = profiler.report();
  const gpuMs = timings.reduce((s, t) => s + t.totalMs, 0) / profileSteps;
  const byShader = new Map<string, number>();
  for (const t of timings) byShader.set(t.shader, (byShader.get(t.shader) ?? 0) + t.totalMs);

  console.log(
    `ceilings: copy ${fmt(ceilings.copyBytesPerS / 1e9)} GB/s, FMA ${fmt(ceilings.fmaFlopsPerS / 1e12)} TFLOP/s`,
  );
  console.log(
    `params ${parameterCount(config).toLocaleString('en-US')} (${f.pMatmul.toLocaleString('en-US')} in matmuls); ` +
      `FLOPs/token: model ${fmt(f.model / 1e6)} M, hardware ${fmt(f.hardware / 1e6)} M`,
  );
  console.log(
    `steps: ${warmup} warm-up + ${steps} timed; loss ${fmt(first.loss)} → ${fmt(last.loss)}, ` +
      `grad norm ${fmt(last.gradNorm)}`,
  );
  console.log(
    `ms/step (median): ${fmt(stepMs)}  [min ${fmt(Math.min(...ms))}, max ${fmt(Math.max(...ms))}]`,
  );
  console.log(`tokens/s: ${fmt(tokPerS)}`);
  console.log(`CPU per step (uploads, recording, submits; median): ${fmt(median(cpuMs))} ms`);
  console.log(
    `achieved: ${fmt(modelTflops)} TFLOP/s model (MFU convention, ${fmt((100 * modelTflops * 1e12) / ceilings.fmaFlopsPerS)}% of the FMA ceiling), ` +
      `${fmt(hwTflops)} TFLOP/s hardware (with the backward's recompute)`,
  );
  console.log(
    `GPU memory: peak ${fmt(mem.peak / 2 ** 20)} MiB through the runtime (plan: ${fmt(estimateGpuBytes(config, { B, T }, activations) / 2 ** 20)} MiB)`,
  );
  const launchesPerStep = timings.reduce((s, t) => s + t.count, 0) / profileSteps;
  console.log(
    `dispatch cost in one pass (1-workgroup copies, ${dispatch.method}): ` +
      `${fmt(dispatch.dependentS * 1e6)} µs each dependent (× ${launchesPerStep} launches = ` +
      `${fmt(dispatch.dependentS * launchesPerStep * 1e3)} ms/step), ` +
      `${fmt(dispatch.independentS * 1e6)} µs each independent`,
  );
  console.log(
    `\nprofile (${profileSteps} steps, ${launchesPerStep} launches/step, ` +
      `one pass per launch): kernel time ${fmt(gpuMs)} ms/step, ${fmt(gpuMs / stepMs)}× the timed step ` +
      '(a pass per launch keeps kernels from overlapping; the timed steps run in one pass)',
  );
  console.log(
    table(
      ['shader', 'ms/step', 'share %'],
      [...byShader]
        .sort((a, b) => b[1] - a[1])
        .map(([s, t]) => [s, t / profileSteps, (100 * t) / profileSteps / gpuMs]),
    ),
  );
  console.log('');
  console.log(
    table(
      ['launch (top 15 by time)', 'launches/step', 'median ms', 'ms/step', 'share %'],
      timings
        .slice(0, 15)
        .map((t) => [
          t.label,
          t.count / profileSteps,
          t.medianMs,
          t.totalMs / profileSteps,
          (100 * t.totalMs) / profileSteps / gpuMs,
        ]),
    ),
  );
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          preset,
          B,
          T,
          activations,
          adapter: adapterLine(rt),
          ceilings,
          dispatch,
          stepMs,
          stepMsAll: ms,
          cpuMsAll: cpuMs,
          tokensPerS: tokPerS,
          flopsPerToken: f,
          modelTflops,
          hardwareTflops: hwTflops,
          peakBytes: mem.peak,
          profile: { method: profiler.method, steps: profileSteps, gpuMsPerStep: gpuMs, timings },
        },
        null,
        2,
      ),
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
