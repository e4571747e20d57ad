// The next run as the panes see it: the Model pane's config with the selected dataset's
// vocabulary, whether this GPU can make its buffers, and what keeps it from starting. The Model,
// Train and speed views share it.
import { type I3Config, validateConfig } from '../model/config';
import { selectedDataset, useDatasets } from '../store/datasets';
import { useGpu } from '../store/gpu';
import { useSetup } from '../store/setup';
import { runTooLarge, validateSettings } from '../train/defaults';

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
  const settings = useSetup((s) => s.settings);
  const config = useNextConfig();
  if (!maxBufferSize || validateConfig(config).length || validateSettings(settings).length) {
    return undefined;
  }
  return runTooLarge(config, settings, maxBufferSize);
}

/**
 * Why the next run cannot start with this setup, as a pointer to the Model pane (which says
 * more), or undefined. The Train pane's start and the speed measurement both wait for it.
 */
export function useSetupProblem(): string | undefined {
  const settings = useSetup((s) => s.settings);
  const config = useNextConfig();
  const tooLarge = useTooLarge();
  if (validateConfig(config).length) return 'The model config has problems (Model pane).';
  if (validateSettings(settings).length) return 'The training settings have problems (Model pane).';
  if (tooLarge) return 'The model does not fit this GPU at this batch (Model pane).';
  return undefined;
}
