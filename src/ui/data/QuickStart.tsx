// The first run in one click, for someone who has not trained yet: the built-in corpus (imported
// first where it is not stored), a preset this adapter trains in reasonable time, and the Train
// pane with the run started. Each step is the one the panes take by hand.
import { useEffect, useState } from 'react';
import { DEFAULT_VOCAB_SIZE, PRESETS, type PresetName, parameterCount } from '../../model/config';
import { isBuiltIn, useDatasets } from '../../store/datasets';
import { useGpu } from '../../store/gpu';
import { useNav } from '../../store/nav';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import { defaultSettings } from '../../train/defaults';
import { compact, count } from '../common/format';
import { useNextRun, useRunBlocker } from '../common/nextRun';

export function QuickStart() {
  const noRuns = useRuns((s) => s.runs.length === 0 && s.liveRunId === undefined);
  const start = useRuns((s) => s.start);
  const gpuReady = useGpu((s) => s.status === 'ready');
  const software = useGpu((s) => s.adapter?.software ?? false);
  const builtIn = useDatasets((s) =>
    s.datasets.find((d) => isBuiltIn(d) && d.status === 'complete'),
  );
  const importing = useDatasets((s) => s.job !== undefined);
  const selectedId = useDatasets((s) => s.selectedId);
  const select = useDatasets((s) => s.select);
  const importDefault = useDatasets((s) => s.importDefault);
  const choosePreset = useSetup((s) => s.choosePreset);
  const show = useNav((s) => s.show);
  const blocker = useRunBlocker();
  const next = useNextRun('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<string>();
  // i3-tiny on a GPU; on a software renderer it would take hours, i3-test trains.
  const preset: PresetName = software ? 'i3-test' : 'i3-tiny';

  // Once the corpus is stored and selected (the config then has its vocabulary), the run starts.
  useEffect(() => {
    if (!pending) return;
    if (!builtIn) {
      // The import failed or was cancelled: the Data pane says why.
      if (!importing) setPending(false);
      return;
    }
    if (selectedId !== builtIn.id) {
      select(builtIn.id);
      return;
    }
    setPending(false);
    if (blocker) {
      setProblem(blocker);
      return;
    }
    start({ ...next, runId: crypto.randomUUID() });
    show('train');
  }, [pending, builtIn, importing, selectedId, select, blocker, start, next, show]);

  if (!noRuns) return null;
  const onStart = () => {
    setProblem(undefined);
    choosePreset(preset);
    if (builtIn) select(builtIn.id);
    else importDefault();
    setPending(true);
  };
  const steps = defaultSettings(preset, PRESETS[preset]).schedule.totalSteps;
  // The corpus's tokenizer sets the vocabulary: the seed's size where it is not imported yet.
  const vocab = builtIn?.tokenizer.vocab.length ?? DEFAULT_VOCAB_SIZE;
  const parameters = parameterCount({ ...PRESETS[preset], vocab_size: vocab });
  return (
    <section className="card quick-start" data-testid="quick-start">
      <h2>New here?</h2>
      <p>
        Train a first model in one click: {preset} ({compact(parameters)} parameters) for{' '}
        {count(steps)} steps on the built-in English corpus
        {builtIn ? '' : ', imported first'}. The Train pane then draws its loss as it learns, and
        its checkpoints chat in the Chat pane.
        {software &&
          ' On this software renderer the quick start takes the small i3-test: a larger model would take hours.'}
      </p>
      <button
        type="button"
        className="primary"
        disabled={!gpuReady || pending || importing}
        title={gpuReady ? undefined : 'The GPU is not ready.'}
        onClick={onStart}
        data-testid="quick-start-go"
      >
        {pending ? 'Getting the corpus ready…' : `Train ${preset} on the built-in corpus`}
      </button>
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
