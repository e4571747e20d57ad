// A small `--flag value` parser for the Node entry points.
import type { ActivationMode } from '../model/buffers';
import { PRESETS, type PresetName } from '../model/config';
import type { TrainSettings } from '../train/checkpoint';
import type { LrDecay } from '../train/schedule';

export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

export function numberArg(args: Record<string, string>, name: string, fallback: number): number {
  if (args[name] === undefined) return fallback;
  const v = Number(args[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got "${args[name]}"`);
  return v;
}

/** Positive integer from a flag's text. */
export function intFlag(name: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** The --preset flag's name, checked. */
export function presetOf(name: string): PresetName {
  if (!(name in PRESETS)) {
    throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${name}"`);
  }
  return name as PresetName;
}

/** Training settings with the command line's overrides: --steps, --lr, --warmup, --min-ratio,
 * --decay, --cooldown, --batch, --accum, --eval-every, --ckpt-every, --seed, --activations,
 * --sample-tokens, --sample-prompt, --early-stop (checked with the rest by validateSettings). */
export function settingsFromArgs(base: TrainSettings, args: Record<string, string>): TrainSettings {
  return {
    ...base,
    schedule: {
      ...base.schedule,
      totalSteps: numberArg(args, 'steps', base.schedule.totalSteps),
      peakLr: numberArg(args, 'lr', base.schedule.peakLr),
      warmupSteps: numberArg(args, 'warmup', base.schedule.warmupSteps),
      minRatio: numberArg(args, 'min-ratio', base.schedule.minRatio),
      decay: (args.decay as LrDecay | undefined) ?? base.schedule.decay,
      cooldown:
        args.cooldown === undefined ? base.schedule.cooldown : numberArg(args, 'cooldown', 0),
    },
    batchSize: numberArg(args, 'batch', base.batchSize),
    accumSteps: numberArg(args, 'accum', base.accumSteps),
    evalInterval: numberArg(args, 'eval-every', base.evalInterval),
    checkpointInterval: numberArg(args, 'ckpt-every', base.checkpointInterval),
    seed: numberArg(args, 'seed', base.seed),
    activations: (args.activations as ActivationMode | undefined) ?? base.activations,
    sampleTokens: numberArg(args, 'sample-tokens', base.sampleTokens ?? 0),
    samplePrompt: args['sample-prompt'] ?? base.samplePrompt,
    earlyStopPatience: numberArg(args, 'early-stop', base.earlyStopPatience ?? 0),
  };
}
