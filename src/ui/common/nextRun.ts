// The next run as the panes see it: the Model pane's config with the selected dataset's
// vocabulary, its settings with the Train pane's mixture of datasets, whether this GPU can make its
// buffers, and what keeps it from starting. The Model, Train and speed views and the quick start
// share it.

import { useMemo } from 'react';
import { tooShortToTrain } from '../../data/shardReader';
import type { DatasetManifest } from '../../data/shardStore';
import { type I3Config, validateConfig } from '../../model/config';
import type { RunSpec } from '../../protocol';
import { selectedDataset, useDatasets } from '../../store/datasets';
import { useGpu } from '../../store/gpu';
import { useQueue } from '../../store/queue';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import type { TrainSettings } from '../../train/checkpoint';
import { runTooLarge, validateSettings } from '../../train/defaults';

/** The vocabulary the run will use: the selected dataset's tokenizer. */
export function useVocabSize(): number | undefined {
  return useDatasets((s) => selectedDataset(s)?.tokenizer.vocab.length);
}

/** The config the run will train: the Model pane's, with the dataset's vocabulary where chosen. */
export function useNextConfig(): I3Config {
  const config = useSetup((s) => s.config);
  const vocab = useVocabSize();
  return { ...config, vocab_size: vocab ?? config.vocab_size };
}

/**
 * Why the next run's buffers cannot be made on this GPU (one over its largest buffer), or
 * undefined: the Model pane shows it, the Train pane will not start.
 */
export function useTooLarge(): string | undefined {
  const maxBufferSize = useGpu((s) => s.adapter?.maxBufferSize);
  const settings = useNextSettings();
  const config = useNextConfig();
  if (!maxBufferSize || validateConfig(config).length || validateSettings(settings).length) {
    return undefined;
  }
  return runTooLarge(config, settings, maxBufferSize);
}

/**
 * The datasets that can mix into a run on `selected`: the other complete ones of its tokenizer.
 */
export function mixable(
  datasets: readonly DatasetManifest[],
  selected: DatasetManifest | undefined,
): DatasetManifest[] {
  if (!selected) return [];
  return datasets.filter(
    (d) =>
      d.status === 'complete' && d.id !== selected.id && d.tokenizerId === selected.tokenizerId,
  );
}

/**
 * The next run's settings: the setup's, its mixture kept to the datasets that can mix into a run
 * on the selected one (the Train pane lists only those).
 */
export function useNextSettings(): TrainSettings {
  const settings = useSetup((s) => s.settings);
  const datasets = useDatasets((s) => s.datasets);
  const selected = useDatasets((s) => selectedDataset(s));
  return useMemo(() => {
    const ids = new Set(mixable(datasets, selected).map((d) => d.id));
    const mixIn = (settings.mixIn ?? []).filter((m) => ids.has(m.datasetId));
    return { ...settings, mixIn };
  }, [settings, datasets, selected]);
}

/**
 * Why the next run cannot start with this setup, as a pointer to the Model pane (which says
 * more), or undefined. The Train pane's start and the speed measurement both wait for it.
 */
export function useSetupProblem(): string | undefined {
  const settings = useNextSettings();
  const config = useNextConfig();
  const tooLarge = useTooLarge();
  const problems = validateSettings(settings);
  // The mixture is set in the Train pane, the rest of the settings in the Model pane.
  const mixProblem = problems.find((e) => e.includes('mixed'));
  if (mixProblem) return `The mixture of datasets has a problem: ${mixProblem}.`;
  if (validateConfig(config).length) return 'The model config has problems (Model pane).';
  if (problems.length) return 'The training settings have problems (Model pane).';
  if (tooLarge) return 'The model does not fit this GPU at this batch (Model pane).';
  return undefined;
}

/**
 * Why the next run cannot draw its windows: the selected dataset, or one mixed in, is shorter than
 * a window of its context (else the run would fail once prepared), or undefined. The learning-rate
 * finder's sweep draws the same windows.
 */
export function useDataTooShort(): string | undefined {
  const settings = useNextSettings();
  const datasets = useDatasets((s) => s.datasets);
  const selectedId = useDatasets((s) => s.selectedId);
  const read = new Set([selectedId, ...(settings.mixIn ?? []).map((m) => m.datasetId)]);
  for (const d of datasets) {
    const short = read.has(d.id) ? tooShortToTrain(d, settings.seqLen) : undefined;
    if (short) return short;
  }
  return undefined;
}

/** Why the next run cannot start now (the GPU, the dataset, the setup), or undefined. */
export function useRunBlocker(): string | undefined {
  const gpu = useGpu((s) => s.status);
  const vocab = useVocabSize();
  const setupProblem = useSetupProblem();
  const dataTooShort = useDataTooShort();
  if (gpu !== 'ready') return 'The GPU is not ready.';
  if (!vocab) return 'Choose a dataset first (import one in the Data pane).';
  return setupProblem ?? (dataTooShort && `${dataTooShort} (Model pane, context T).`);
}

/** The next run as the Train pane would start it, less its id. */
export type NextRun = Omit<RunSpec, 'runId' | 'resumeFrom' | 'sweep'>;

/** The name a run gets where none is given: its preset and its place among the runs and the queue. */
export function useDefaultRunName(): string {
  const preset = useSetup((s) => s.preset);
  const runs = useRuns((s) => s.runs.length);
  const queued = useQueue((s) => s.queued.length);
  return `${preset} #${runs + queued + 1}`;
}

/** The next run: this setup on the selected dataset, named `name` (else its default name). */
export function useNextRun(name: string): NextRun {
  const fallback = useDefaultRunName();
  const config = useNextConfig();
  const settings = useNextSettings();
  const datasetId = useDatasets((s) => s.selectedId) ?? '';
  return { name: name.trim() || fallback, config, settings, datasetId };
}
