// Headless training in Node with the same engine as the browser worker, through the `webgpu`
// package (Dawn): on a GPU server, or on SwiftShader for a smoke run.
//   npm run train -- --preset i3-tiny --data corpus.txt --steps 500 --out runs/tiny
// Flags: --preset, --data (files of any supported format, archives or folders; several with
// commas), --steps, --batch, --accum, --lr, --warmup, --decay cosine|linear|wsd|constant,
// --cooldown (wsd's share of the steps), --min-ratio (the final rate over the peak), --eval-every,
// --ckpt-every, --seed, --activations keep|recompute, --sample-tokens (text written at each
// evaluation; 0 = none),
// --sample-prompt, --early-stop (evaluations without improvement before the run ends; 0 = never),
// --vocab, --resume ckpt.bin (or a bundle: src/cli/checkpointArg.ts),
// --mix other.txt:0.3[,more.txt:0.1] (files tokenized with the run's tokenizer, each mixed into
// that share of the training rows), --out.
// --fine-tune (with --resume): the checkpoint trains --steps more as a new run, on a schedule of
// its own from its step (fine-tuning on new data).
// --find-lr [steps] runs the learning-rate range test of that run instead of training it
// (src/train/lrFinder.ts; from the --resume checkpoint where there is one): it prints the sweep
// and its suggestion, and writes out/lr-sweep.json.
// --sweep lr=1e-3,3e-3 trains the run once for each value of one setting (lr, wd, warm-up, batch,
// seed, D, L, decay: src/train/sweep.ts), one after another, each into its own folder of out; it
// prints each run's lowest validation loss and writes out/sweep.json.
// --minutes 30 sets the steps to what fits 30 minutes at the speed measured first, --optimal with
// it trains the compute-optimal model for that time, and --params 3000000 the model of the
// family's shape nearest that size (src/train/budget.ts).
// While a run trains, `kill -USR1 <pid>` starts a warm-up-stable-decay run's cool-down now and
// `kill -USR2 <pid>` trains it half as long again (schedule.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { loadTextCorpus, type TextCorpus } from '../data/nodeCorpus';
import type { ShardSource } from '../data/shardReader';
import { describeAdapter } from '../gpu/device';
import { acquireNodeGpu, nodeShaders } from '../gpu/nodeGpu';
import { GpuRuntime } from '../gpu/runtime';
import {
  DEFAULT_VOCAB_SIZE,
  type I3Config,
  type PresetName,
  parameterCount,
  presetConfig,
} from '../model/config';
import {
  computeOptimalParameters,
  familyConfig,
  runMs,
  stepsInTime,
  stepsPatch,
} from '../train/budget';
import type { Checkpoint, TrainSettings } from '../train/checkpoint';
import { encodeCheckpoint } from '../train/checkpoint';
import { defaultSettings } from '../train/defaults';
import { findLearningRate, LR_SWEEP_STEPS, type LrSweepSetup } from '../train/lrFinder';
import { prepareRun } from '../train/run';
import { type Reschedule, scheduleFrom } from '../train/schedule';
import { probeTrainingSpeed } from '../train/speedProbe';
import {
  parseSweepValues,
  SWEEP_AXES,
  type SweepAxis,
  type SweepValue,
  sweepProblems,
  sweepRunName,
  sweepVariant,
} from '../train/sweep';
import type { RunState } from '../train/trainer';
import { intFlag, numberArg, parseArgs, presetOf, settingsFromArgs } from './args';
import { loadCheckpoint } from './checkpointArg';

/** --find-lr: the range test of the run these would make, printed and written to out. */
async function findLr(
  rt: GpuRuntime,
  setup: LrSweepSetup,
  flag: string,
  out: string,
): Promise<void> {
  const steps = flag === 'true' ? LR_SWEEP_STEPS : intFlag('find-lr', flag);
  const result = await findLearningRate(rt, setup, {
    steps,
    onPoint: (p, i) => {
      if (i % 5 === 0) {
        console.log(
          `sweep ${i + 1}/${steps}  lr ${p.lr.toExponential(2)}  loss ${p.loss.toFixed(4)}  smoothed ${p.smoothed.toFixed(4)}`,
        );
      }
    },
  });
  const last = result.points.at(-1);
  if (result.diverged && last) console.log(`the loss blew up past lr ${last.lr.toExponential(2)}`);
  console.log(
    result.suggestion === undefined
      ? 'no suggestion: the loss never fell below where it started'
      : `suggested peak learning rate: ${result.suggestion.toExponential(2)} (--lr)`,
  );
  await writeFile(join(out, 'lr-sweep.json'), JSON.stringify(result, null, 1));
}

/**
 * --minutes M: the run's steps set to what fits M minutes at the speed measured here (its
 * evaluations counted), with the model that would be compute-optimal for that time printed, or
 * with --optimal taken (its own speed measured in turn).
 */
async function fitToMinutes(
  rt: GpuRuntime,
  run: { config: I3Config; settings: TrainSettings },
  flag: string,
  optimal: boolean,
): Promise<{ config: I3Config; settings: TrainSettings }> {
  const minutes = Number(flag);
  if (!(minutes > 0)) throw new Error(`--minutes takes a positive number, got "${flag}"`);
  let { config, settings } = run;
  let speed = await probeTrainingSpeed(rt, config, settings);
  const parameters = parameterCount(config);
  const best = familyConfig(
    config,
    computeOptimalParameters(parameters, speed.tokensPerSec, minutes * 60),
  );
  console.log(
    `--minutes ${flag}: compute-optimal here: width ${best.d_model}, ${best.n_layers} blocks, ${parameterCount(best).toLocaleString()} parameters (this model: ${parameters.toLocaleString()})`,
  );
  if (optimal) {
    config = best;
    speed = await probeTrainingSpeed(rt, config, settings);
  }
  const steps = stepsInTime(minutes * 60_000, speed, settings);
  if (steps < 2) {
    throw new Error(
      `--minutes ${flag}: not even two steps fit at ${speed.stepMs.toFixed(1)} ms a step here`,
    );
  }
  console.log(
    `--minutes ${flag}: ${steps.toLocaleString()} steps fit at ${speed.stepMs.toFixed(1)} ms a step, planned ${(runMs(steps, speed, settings) / 1000).toFixed(1)} s (evaluations counted, checkpoints and samples aside)`,
  );
  return {
    config,
    settings: {
      ...settings,
      schedule: { ...settings.schedule, ...stepsPatch(settings.schedule, steps) },
    },
  };
}

/**
 * --sweep's setting and values: `short=v1,v2,…` with a setting's short name (lr, wd, batch…), or
 * `decay=cosine,wsd`.
 */
function sweepArgs(
  flag: string | undefined,
): { axis: SweepAxis; values: SweepValue[] } | undefined {
  if (!flag) return undefined;
  const [short, list = ''] = flag.split('=');
  const axes = Object.keys(SWEEP_AXES) as SweepAxis[];
  const axis = axes.find((a) => SWEEP_AXES[a].short === short);
  if (!axis) {
    const names = axes.map((a) => SWEEP_AXES[a].short).join(', ');
    throw new Error(`--sweep takes setting=v1,v2,… with a setting of ${names}, got "${flag}"`);
  }
  const values = parseSweepValues(list, axis);
  if (typeof values === 'string') throw new Error(`--sweep: ${values}`);
  return { axis, values };
}

/** --mix's files and shares: `path:share` items, comma-separated. */
function mixArgs(flag: string | undefined): { path: string; share: number }[] {
  if (!flag) return [];
  return flag.split(',').map((item) => {
    const at = item.lastIndexOf(':');
    const share = Number(item.slice(at + 1));
    if (at <= 0 || !(share > 0 && share < 1)) {
      throw new Error(`--mix takes file:share items with a share between 0 and 1, got "${item}"`);
    }
    return { path: item.slice(0, at), share };
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const preset = presetOf(args.preset ?? 'i3-tiny');
  if (!args.data) throw new Error('--data <file or folder[,…]> is required');
  const out = args.out ?? `runs/${preset}-${Date.now().toString(36)}`;
  const sweep = sweepArgs(args.sweep);
  if (sweep && args.resume) throw new Error('--sweep trains new runs: leave out --resume');
  await mkdir(out, { recursive: true });

  console.log(`tokenizing ${args.data} …`);
  const resume = args.resume ? await loadCheckpoint(args.resume) : undefined;
  const corpus = await loadTextCorpus(args.data.split(','), {
    vocab: { targetSize: numberArg(args, 'vocab', DEFAULT_VOCAB_SIZE) },
    // A resumed run keeps its tokenizer, so its ids mean the same as before.
    ...(resume ? { tokenizer: ChunkTokenizer.fromJSON(resume.meta.tokenizer) } : {}),
  });
  const m = corpus.source.manifest;
  // --mix other.txt:0.3,…: files tokenized with the run's tokenizer, mixed into its rows.
  const mixed = await Promise.all(
    mixArgs(args.mix).map(async ({ path, share }) => ({
      share,
      source: (await loadTextCorpus(path, { tokenizer: corpus.tokenizer })).source,
    })),
  );
  let config =
    resume?.meta.config ?? presetConfig(preset, { vocab_size: corpus.tokenizer.vocabSize });
  // --params N: the model of the family's shape nearest N parameters (budget.ts).
  if (args.params) {
    if (resume) throw new Error('--params shapes a new model: leave out --resume');
    config = familyConfig(config, intFlag('params', args.params));
  }
  const base = resume?.meta.settings ?? defaultSettings(preset, config);
  let settings: TrainSettings = {
    ...settingsFromArgs(base, args),
    mixIn: mixed.map(({ source, share }) => ({ datasetId: source.manifest.id, share })),
  };
  // --fine-tune: the checkpoint trains further as a new run, on a schedule of its own from its
  // step (--steps more steps: warm-up, peak and decay afresh), as the studio's "Train further"
  // does on other data.
  const fineTune = Boolean(args['fine-tune']);
  if (fineTune) {
    if (!resume) throw new Error('--fine-tune trains a checkpoint further: give it with --resume');
    const more = numberArg(args, 'steps', settings.schedule.totalSteps);
    settings = { ...settings, schedule: scheduleFrom(settings.schedule, resume.meta.step, more) };
  }
  console.log(
    `dataset: ${m.train.tokens.toLocaleString()} train / ${m.validation.tokens.toLocaleString()} validation tokens, vocabulary ${corpus.tokenizer.vocabSize}`,
  );
  const mixIn = mixed.map(({ source }) => source);
  for (const { source, share } of mixed) {
    console.log(
      `mixed in: ${source.manifest.name}, ${source.manifest.train.tokens.toLocaleString()} train tokens, ${Math.round(share * 100)}% of the rows`,
    );
  }

  const ctx = await acquireNodeGpu();
  const rt = new GpuRuntime(ctx, nodeShaders);
  console.log(`adapter: ${describeAdapter(ctx.info)}`);
  if (args.minutes) {
    if (args.steps || args.resume || sweep || args['find-lr']) {
      throw new Error(
        '--minutes sets the steps of one new run: leave out --steps, --resume, --sweep and --find-lr',
      );
    }
    ({ config, settings } = await fitToMinutes(
      rt,
      { config, settings },
      args.minutes,
      Boolean(args.optimal),
    ));
  } else if (args.optimal) {
    throw new Error('--optimal takes the compute-optimal model for --minutes: give the minutes');
  }
  if (args['find-lr']) {
    await findLr(
      rt,
      { config, settings, from: resume, source: corpus.source, mixIn },
      args['find-lr'],
      out,
    );
    process.exit(0);
  }
  if (!sweep) {
    const { state } = await trainRun(rt, {
      config,
      settings,
      corpus,
      mixIn,
      resume,
      out,
      preset,
      ...(fineTune && resume ? { runId: out, name: `${resume.meta.name} (continued)` } : {}),
    });
    process.exit(state === 'failed' ? 1 : 0);
  }
  const problems = sweepProblems(
    config,
    settings,
    sweep.axis,
    sweep.values,
    ctx.device.limits.maxBufferSize,
  );
  if (problems.length) throw new Error(`--sweep: ${problems.join('; ')}`);
  const results = [];
  for (const value of sweep.values) {
    const name = sweepRunName(`${preset} (cli)`, sweep.axis, value);
    console.log(`sweep: ${name}`);
    const run = sweepVariant(config, settings, sweep.axis, value);
    const folder = join(out, `${SWEEP_AXES[sweep.axis].short}-${value}`);
    await mkdir(folder, { recursive: true });
    const ended = await trainRun(rt, { ...run, corpus, mixIn, out: folder, preset, name });
    results.push({ value, ...ended });
  }
  console.log(`sweep of ${SWEEP_AXES[sweep.axis].label}: lowest validation loss`);
  for (const r of results) {
    console.log(
      `  ${SWEEP_AXES[sweep.axis].short} ${r.value}  ${r.valLoss?.toFixed(4) ?? 'not evaluated'}  (${r.state})`,
    );
  }
  await writeFile(
    join(out, 'sweep.json'),
    JSON.stringify({ axis: sweep.axis, runs: results }, null, 1),
  );
  process.exit(results.some((r) => r.state === 'failed') ? 1 : 0);
}

/**
 * Trains one run to its end, printing its steps and evaluations and writing its checkpoints to
 * `out`. Returns how it ended and its lowest validation loss.
 */
async function trainRun(
  rt: GpuRuntime,
  run: {
    config: I3Config;
    settings: TrainSettings;
    corpus: TextCorpus;
    mixIn: ShardSource[];
    resume?: Checkpoint;
    out: string;
    preset: PresetName;
    name?: string;
    /** A new run's id where it starts from `resume` (--fine-tune); else resume's, or out. */
    runId?: string;
  },
): Promise<{ state: RunState; valLoss?: number }> {
  const { config, settings, corpus, resume, out } = run;
  const m = corpus.source.manifest;
  let lastStepAt = performance.now();
  let valLoss: number | undefined;
  const { trainer, destroy } = await prepareRun(rt, {
    runId: run.runId ?? resume?.meta.runId ?? out,
    name: run.name ?? resume?.meta.name ?? `${run.preset} (cli)`,
    config,
    settings,
    source: corpus.source,
    datasetId: m.id,
    mixIn: run.mixIn,
    tokenizer: m.tokenizer,
    resume,
    events: {
      onStep: (s) => {
        lastStepAt = performance.now();
        // The schedule the trainer follows: a signal may have changed it (below).
        const total = trainer.schedule.totalSteps;
        if (s.step % 10 === 0 || s.step === total) {
          console.log(
            `step ${s.step}/${total}  loss ${s.loss.toFixed(4)}  ppl ${s.perplexity.toFixed(2)}  lr ${s.lr.toExponential(2)}  |g| ${s.gradNorm.toFixed(3)}  ${Math.round(s.tokensPerSec)} tok/s  ${s.stepMs.toFixed(1)} ms  epoch ${(s.epochs ?? 0).toFixed(3)}`,
          );
        }
      },
      onEval: (e) => {
        // Since the last step landed: the evaluation, and its sample where there is one.
        const seconds = (performance.now() - lastStepAt) / 1000;
        if (!(e.valLoss >= (valLoss ?? Infinity))) valLoss = e.valLoss;
        console.log(
          `eval  step ${e.step}  val loss ${e.valLoss.toFixed(4)}  val ppl ${e.valPerplexity.toFixed(2)}  ${seconds.toFixed(3)} s`,
        );
        if (e.sample !== undefined)
          console.log(
            `sample  ${JSON.stringify(settings.samplePrompt ?? '')} → ${JSON.stringify(e.sample)}`,
          );
      },
      onCheckpoint: async (ck) => {
        const file = join(out, `checkpoint-${String(ck.meta.step).padStart(6, '0')}.bin`);
        await writeFile(file, await encodeCheckpoint(ck));
        console.log(`checkpoint ${file}`);
      },
      onState: (state, message) => console.log(`run ${state}${message ? `: ${message}` : ''}`),
    },
  });
  console.log(
    `model: ${parameterCount(config).toLocaleString()} parameters, ${(rt.memory().peak / 2 ** 20).toFixed(1)} MiB of GPU buffers; batch ${settings.batchSize}×${settings.seqLen}×${settings.accumSteps}`,
  );
  const stop = () => trainer.stop();
  // kill -USR1 cools a warm-up-stable-decay run down now; kill -USR2 trains it longer.
  const signals: [NodeJS.Signals, Reschedule][] = [
    ['SIGUSR1', 'cool-down'],
    ['SIGUSR2', 'longer'],
  ];
  const handlers = signals.map(([signal, to]) => {
    const handler = () => {
      const next = trainer.rescheduleTo(to);
      console.log(
        next
          ? `${to === 'cool-down' ? 'cooling down' : 'training longer'}: the run now ends at step ${next.totalSteps}`
          : `${signal}: the schedule does not hold its rate at step ${trainer.step}; it stays`,
      );
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  process.on('SIGINT', stop);
  const startedAt = performance.now();
  const state = await trainer.train();
  console.log(`wall clock: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  process.off('SIGINT', stop);
  for (const off of handlers) off();
  destroy();
  return { state, valLoss };
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
