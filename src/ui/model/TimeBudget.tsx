// The Model pane's answer to "what can I train in an hour here": from the speed just measured, the
// steps that fit a time budget (one click sets them) and the model size that is compute-optimal
// for it (one click takes it and measures its own speed). src/train/budget.ts.
import { parameterCount } from '../../model/config';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { useGpu } from '../../store/gpu';
import { useSetup } from '../../store/setup';
import { useSpeed } from '../../store/speed';
import {
  computeOptimalParameters,
  familyConfig,
  stepsInTime,
  stepsPatch,
  TOKENS_PER_PARAMETER,
} from '../../train/budget';
import { ownShare, runTooLarge } from '../../train/defaults';
import type { SpeedEstimate } from '../../train/speedProbe';
import { compact, count, epochs, ratio } from '../common/format';
import { useGpuBusy } from '../common/gpuBusy';
import { NumberField } from '../common/NumberField';
import { useNextConfig, useNextSettings } from '../common/nextRun';

/** The budget as typed, to three significant digits: "0.5 minutes", "1 minute". */
const inMinutes = (m: number) => {
  const n = Number(m.toPrecision(3));
  return `${n} minute${n === 1 ? '' : 's'}`;
};

/**
 * Epochs of a dataset past which repeating it is worth markedly less than new tokens (Muennighoff et
 * al., 2023, "Scaling Data-Constrained Language Models": up to about 4, nearly as good).
 */
const FRESH_EPOCHS = 4;

export function TimeBudget({ estimate }: { estimate: SpeedEstimate }) {
  const minutes = useSetup((s) => s.budgetMinutes);
  const setMinutes = useSetup((s) => s.setBudgetMinutes);
  const settings = useNextSettings();
  const config = useNextConfig();
  const { setSchedule, setConfig } = useSetup();
  const maxBufferSize = useGpu((s) => s.adapter?.maxBufferSize);
  const seconds = minutes * 60;
  const valid = Number.isFinite(minutes) && minutes > 0;
  const steps = valid ? stepsInTime(seconds * 1000, estimate, settings) : 0;
  const tokensPerStep = settings.batchSize * settings.accumSteps * settings.seqLen;
  const parameters = parameterCount(config);
  const { totalSteps } = settings.schedule;
  const optimal = familyConfig(
    config,
    computeOptimalParameters(parameters, estimate.tokensPerSec, seconds),
  );
  const optimalCount = parameterCount(optimal);
  const same = optimal.d_model === config.d_model && optimal.n_layers === config.n_layers;
  // The optimal run's tokens against the selected dataset's (its share of a mixture's rows).
  const dataset = useDatasets(selectedDataset);
  const dataEpochs = dataset
    ? (ownShare(settings) * TOKENS_PER_PARAMETER * optimalCount) / dataset.train.tokens
    : undefined;
  const tooLarge = maxBufferSize ? runTooLarge(optimal, settings, maxBufferSize) : undefined;
  const fit = () => setSchedule(stepsPatch(settings.schedule, steps));
  // The new model's own speed, measured at once where the GPU is free, is what its steps fit by.
  const busy = useGpuBusy('A run is training.');
  const measure = useSpeed((s) => s.measure);
  const takeOptimal = () => {
    const { d_model, n_layers, n_heads, d_state, rank, dt_rank } = optimal;
    setConfig({ d_model, n_layers, n_heads, d_state, rank, dt_rank });
    if (!busy) measure(optimal, settings);
  };
  return (
    <div className="time-budget" data-testid="time-budget">
      <NumberField
        label="time budget (minutes)"
        value={minutes}
        min={0}
        onChange={setMinutes}
        testId="budget-minutes"
      />
      {valid && steps < 2 && (
        <p className="small" data-testid="budget-steps">
          Not even two steps of this setup fit in {inMinutes(minutes)} here.
        </p>
      )}
      {valid && steps >= 2 && (
        <p className="small">
          <span data-testid="budget-steps" data-steps={steps}>
            {inMinutes(minutes)} here fit about {count(steps)} steps (
            {compact(steps * tokensPerStep)} tokens, {ratio((steps * tokensPerStep) / parameters)}{' '}
            tokens a parameter)
          </span>
          , evaluations counted, checkpoints and samples aside.{' '}
          <button
            type="button"
            disabled={steps === totalSteps}
            onClick={fit}
            data-testid="fit-steps"
          >
            {steps === totalSteps ? 'The run has these steps' : `Train ${count(steps)} steps`}
          </button>
        </p>
      )}
      {valid && (
        <p className="small" data-testid="budget-optimal">
          {same
            ? `This model is the compute-optimal size for ${inMinutes(minutes)} here (about ${TOKENS_PER_PARAMETER} tokens a parameter, Hoffmann et al., 2022).`
            : `Compute-optimal for ${inMinutes(minutes)} here (about ${TOKENS_PER_PARAMETER} tokens a parameter, Hoffmann et al., 2022): width ${optimal.d_model}, ${optimal.n_layers} block${optimal.n_layers === 1 ? '' : 's'}, ${count(optimalCount)} parameters, on ${compact(TOKENS_PER_PARAMETER * optimalCount)} tokens. Taking it measures its own speed, which its steps fit by.`}{' '}
          {dataEpochs !== undefined && dataset && (
            <span data-testid="budget-epochs">
              That is {epochs(dataEpochs)} of {dataset.name}
              {dataEpochs > FRESH_EPOCHS
                ? `: past about ${FRESH_EPOCHS} epochs repeated tokens are worth less than new ones (Muennighoff et al., 2023), so more data, where there is some, would help more than more epochs.`
                : '.'}{' '}
            </span>
          )}
          {!same && (
            <button
              type="button"
              disabled={Boolean(tooLarge)}
              title={tooLarge}
              onClick={takeOptimal}
              data-testid="use-optimal-model"
            >
              Use that model
            </button>
          )}
        </p>
      )}
    </div>
  );
}
