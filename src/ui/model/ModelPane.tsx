// The Model pane: a preset or an edited config with live validation, its parameter count and the
// GPU memory a training step needs in either activation mode, and the training settings of the
// next run with its learning-rate schedule drawn, and on demand its speed on this GPU measured and
// its peak learning rate found by a sweep.
import { useMemo } from 'react';
import { validationWindows } from '../../data/shardReader';
import { ACTIVATION_MODES, type ActivationMode, estimateGpuBytes } from '../../model/buffers';
import { type I3Config, type PresetName, parameterCount, validateConfig } from '../../model/config';
import { decoderBytes } from '../../model/decode';
import { parameterGroups } from '../../model/params';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { useSetup } from '../../store/setup';
import { TOKENS_PER_PARAMETER } from '../../train/budget';
import type { TrainSettings } from '../../train/checkpoint';
import { activationsOf, ownShare, validateSettings, writesSamples } from '../../train/defaults';
import {
  DEFAULT_COOLDOWN,
  decayInWords,
  LR_DECAYS,
  type LrDecay,
  learningRateCurve,
} from '../../train/schedule';
import { CONFIG_LABELS, SETTING_LABELS } from '../../train/settingLabels';
import { BlockDiagram } from '../charts/BlockDiagram';
import { hue } from '../charts/colors';
import { MetricChart } from '../charts/MetricChart';
import { ShareBar } from '../charts/ShareBar';
import { agree, bytes, compact, count, counted, epochs, ratio } from '../common/format';
import { NumberField } from '../common/NumberField';
import {
  useDataTooShort,
  useNextConfig,
  useNextSettings,
  useTooLarge,
  useVocabSize,
} from '../common/nextRun';
import { LrFinder } from './LrFinder';
import { SpeedEstimate } from './SpeedEstimate';

const PRESET_NOTES: Record<PresetName, string> = {
  'i3-22m': 'The seed model: 24 blocks, width 512. Wants a desktop GPU and hours of training.',
  'i3-tiny': 'A laptop demo: 4 blocks, width 128. Learns a small corpus in minutes.',
  'i3-test': 'The unit-test shape: 2 blocks, width 16. Trains in seconds on any adapter.',
};

type NumericSetting = {
  [K in keyof TrainSettings]-?: TrainSettings[K] extends number ? K : never;
}[keyof TrainSettings];

const ACTIVATION_LABELS: Record<ActivationMode, string> = {
  keep: 'keep (faster)',
  recompute: 'recompute (less memory)',
};

const SCHEDULE_FIELDS: ['peakLr' | 'warmupSteps' | 'totalSteps', number][] = [
  ['peakLr', 1e-4],
  ['warmupSteps', 1],
  ['totalSteps', 1],
];

const DECAY_LABELS: Record<LrDecay, string> = {
  cosine: 'cosine',
  linear: 'linear',
  wsd: 'warm-up, stable, cool-down',
  constant: 'none (constant)',
};

const SETTING_FIELDS: [NumericSetting & keyof typeof SETTING_LABELS, number][] = [
  ['batchSize', 1],
  ['accumSteps', 1],
  ['weightDecay', 0.01],
  ['clipNorm', 0.1],
  ['evalInterval', 1],
  ['evalBatches', 1],
  ['checkpointInterval', 1],
  ['seed', 1],
];

const CONFIG_FIELDS = Object.entries(CONFIG_LABELS) as [keyof I3Config, string][];

/**
 * How many passes over the selected dataset the planned steps make: a model trained for many
 * epochs of a small corpus learns it by heart (the validation loss says when).
 */
function PlannedEpochs({ tokens }: { tokens: number }) {
  const dataset = useDatasets(selectedDataset);
  const datasets = useDatasets((s) => s.datasets);
  const settings = useNextSettings();
  if (!dataset || !(tokens > 0)) return null;
  // A mixture shares the rows: each dataset gets its share of the tokens.
  const own = ownShare(settings);
  const mixed = (settings.mixIn ?? []).flatMap((m) => {
    const d = datasets.find((x) => x.id === m.datasetId);
    return d ? [`${epochs((m.share * tokens) / d.train.tokens)} of ${d.name}`] : [];
  });
  return (
    <span data-testid="planned-epochs">
      , and the run's {compact(tokens)} tokens are {epochs((own * tokens) / dataset.train.tokens)}{' '}
      of {dataset.name} ({compact(dataset.train.tokens)} training tokens)
      {mixed.length > 0 && `, with ${mixed.join(' and ')} mixed in`}
    </span>
  );
}

/**
 * Where the selected dataset has no validation window of the run's context, what the run goes
 * without: its validation loss, the samples written with it and early stopping.
 */
function NoValidation() {
  const dataset = useDatasets(selectedDataset);
  const { seqLen } = useNextSettings();
  if (!dataset || validationWindows(dataset, seqLen) > 0) return null;
  return (
    <p className="banner warn" data-testid="no-validation">
      “{dataset.name}” has no validation split of a whole window ({count(seqLen + 1)} tokens): a run
      on it reports no validation loss, writes no samples and cannot stop early. A dataset of one
      document has none: import its text as several documents (import options: text files one
      document per line, or blank-line-separated), or with more files.
    </p>
  );
}

/** The run's tokens a parameter, against the compute-optimal budget. */
function TokensPerParameter({ tokens, parameters }: { tokens: number; parameters: number }) {
  if (!(tokens > 0 && parameters > 0)) return null;
  return (
    <span data-testid="tokens-per-parameter">
      {' '}
      That is {ratio(tokens / parameters)} tokens a parameter, where about {TOKENS_PER_PARAMETER} (
      {compact(TOKENS_PER_PARAMETER * parameters)} tokens) gives the lowest loss for the compute
      (Hoffmann et al., 2022); longer still lowers it, more slowly.
    </span>
  );
}

export function ModelPane() {
  const { preset, config, settings, choosePreset, setConfig, setSettings, setSchedule } =
    useSetup();
  const vocab = useVocabSize();
  const effective = useNextConfig();
  const problems = validateConfig(effective);
  const valid = problems.length === 0;
  const settingsProblems = validateSettings(settings);
  const dataTooShort = useDataTooShort();
  const tooLarge = useTooLarge();
  const curve = useMemo(() => learningRateCurve(settings.schedule, 200), [settings.schedule]);
  const activations = activationsOf(settings);
  const decay = settings.schedule.decay ?? 'cosine';
  const other: ActivationMode = activations === 'keep' ? 'recompute' : 'keep';
  // The samples' decoder reads the run's weights in place: its memory is the rest.
  const samples = writesSamples(settings);
  const runTokens =
    settings.schedule.totalSteps * settings.batchSize * settings.accumSteps * settings.seqLen;
  const estimate = (m: ActivationMode) =>
    bytes(estimateGpuBytes(effective, { B: settings.batchSize, T: settings.seqLen }, m));
  return (
    <div className="grid">
      <section className="card">
        <h2>Architecture</h2>
        <div className="presets" role="radiogroup" aria-label="Preset">
          {(Object.keys(PRESET_NOTES) as PresetName[]).map((p) => (
            <label key={p} className={p === preset ? 'preset active' : 'preset'}>
              <input
                type="radio"
                name="preset"
                checked={p === preset}
                onChange={() => choosePreset(p)}
                data-testid={`preset-${p}`}
              />
              <strong>{p}</strong>
              <span className="muted">{PRESET_NOTES[p]}</span>
            </label>
          ))}
        </div>
        <div className="fields">
          {CONFIG_FIELDS.map(([key, label]) => (
            <NumberField
              key={key}
              label={label}
              value={config[key] as number}
              onChange={(v) => setConfig({ [key]: v })}
            />
          ))}
        </div>
        <p className="muted">
          Vocabulary:{' '}
          {vocab
            ? `${count(vocab)} tokens from the selected dataset's tokenizer`
            : 'select a dataset (Data pane)'}
          .
        </p>
        {valid && (
          <dl className="stats" data-testid="model-stats">
            <dt>Parameters</dt>
            <dd>
              <span data-testid="param-count">{count(parameterCount(effective))}</span>
              <ShareBar
                parts={parameterGroups(effective).map((g) => ({ name: g.group, value: g.count }))}
                format={count}
                testId="param-groups"
                partTestId="param-group"
              />
            </dd>
            <dt>GPU memory per step</dt>
            <dd data-testid="gpu-estimate">
              {estimate(activations)} at batch {settings.batchSize} × {settings.seqLen}, activations{' '}
              {activations} ({other}: {estimate(other)})
              {samples && `; samples ${bytes(decoderBytes(effective, 1, true))} more`}
            </dd>
          </dl>
        )}
        {valid && (
          <details className="diagram" open>
            <summary>The model, step by step</summary>
            <BlockDiagram config={effective} />
          </details>
        )}
        {tooLarge && (
          <p className="banner error" data-testid="buffer-too-large">
            {tooLarge}
          </p>
        )}
        {!valid && (
          <ul className="banner error" data-testid="config-errors">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>Training</h2>
        <div className="fields">
          {SCHEDULE_FIELDS.map(([key, step]) => (
            <NumberField
              key={key}
              label={SETTING_LABELS[key]}
              value={settings.schedule[key]}
              step={step}
              onChange={(v) => setSchedule({ [key]: v })}
              testId={key === 'totalSteps' ? 'total-steps' : undefined}
            />
          ))}
          <label className="field">
            <span>{SETTING_LABELS.decay}</span>
            <select
              value={decay}
              onChange={(e) => setSchedule({ decay: e.target.value as LrDecay })}
              data-testid="lr-decay"
            >
              {LR_DECAYS.map((d) => (
                <option key={d} value={d}>
                  {DECAY_LABELS[d]}
                </option>
              ))}
            </select>
          </label>
          {decay !== 'constant' && (
            <NumberField
              label={SETTING_LABELS.minRatio}
              value={+(settings.schedule.minRatio * 100).toPrecision(6)}
              onChange={(v) => setSchedule({ minRatio: v / 100 })}
              testId="lr-floor"
            />
          )}
          {decay === 'wsd' && (
            <NumberField
              label={SETTING_LABELS.cooldown}
              value={+((settings.schedule.cooldown ?? DEFAULT_COOLDOWN) * 100).toPrecision(6)}
              onChange={(v) => setSchedule({ cooldown: v / 100 })}
              testId="lr-cooldown"
            />
          )}
          {SETTING_FIELDS.map(([key, step]) => (
            <NumberField
              key={key}
              label={SETTING_LABELS[key]}
              value={settings[key]}
              step={step}
              onChange={(v) => setSettings({ [key]: v })}
              testId={key === 'checkpointInterval' ? 'checkpoint-interval' : undefined}
            />
          ))}
          <label className="field">
            <span>{SETTING_LABELS.activations}</span>
            <select
              value={activations}
              onChange={(e) => setSettings({ activations: e.target.value as ActivationMode })}
              data-testid="activations"
            >
              {ACTIVATION_MODES.map((m) => (
                <option key={m} value={m}>
                  {ACTIVATION_LABELS[m]}
                </option>
              ))}
            </select>
          </label>
          <NumberField
            label="sample tokens (0 = none)"
            value={settings.sampleTokens ?? 0}
            onChange={(v) => setSettings({ sampleTokens: v })}
            testId="sample-tokens"
          />
          <NumberField
            label="early stop after (evals)"
            value={settings.earlyStopPatience ?? 0}
            onChange={(v) => setSettings({ earlyStopPatience: v })}
            testId="early-stop"
          />
          <label className="field long">
            <span>sample prompt</span>
            <input
              value={settings.samplePrompt ?? ''}
              placeholder="(the start of a document)"
              title="Plain text is continued as it is; for a chat dataset write a turn, e.g. [INST] Hello! [/INST]"
              onChange={(e) => setSettings({ samplePrompt: e.target.value })}
              data-testid="sample-prompt"
            />
          </label>
        </div>
        {settingsProblems.length > 0 && (
          <ul className="banner error" data-testid="settings-errors">
            {settingsProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        {dataTooShort ? (
          <p className="banner error" data-testid="data-too-short">
            {dataTooShort}.
          </p>
        ) : (
          <NoValidation />
        )}
        <SpeedEstimate />
        <LrFinder />
        {settingsProblems.length === 0 && (
          <MetricChart
            title="Learning rate by step (planned)"
            series={[{ name: 'learning rate', color: hue('sky'), points: curve }]}
            log={false}
            xLabel="step"
            testId="lr-schedule"
          />
        )}
        <p className="muted" data-testid="model-pane-summary">
          AdamW (β₁ {settings.beta1}, β₂ {settings.beta2}), linear warm-up then{' '}
          {decayInWords(settings.schedule)}; the effective batch is{' '}
          {count(settings.batchSize * settings.accumSteps * settings.seqLen)} tokens per step
          <PlannedEpochs tokens={runTokens} />.
          {valid && (
            <TokensPerParameter tokens={runTokens} parameters={parameterCount(effective)} />
          )}
          {samples &&
            ` At each evaluation the weights write ${counted(settings.sampleTokens ?? 0, 'token')} after the sample prompt, with the run's seed, shown in the Train pane.`}
          {(settings.earlyStopPatience ?? 0) > 0 &&
            settings.evalInterval > 0 &&
            ` The run ends early once ${counted(settings.earlyStopPatience ?? 0, 'evaluation')} in a row ${agree(settings.earlyStopPatience ?? 0, 'has', 'have')} not lowered the validation loss (0 turns this off).`}
        </p>
      </section>
    </div>
  );
}
