// The Train pane's samples: the text a run's weights wrote at each evaluation (the run's prompt
// continued, with its seed), newest first, so that what the loss curve means can be read.
import { useState } from 'react';
import { useRuns } from '../../store/runs';
import { writesSamples } from '../../train/defaults';
import type { RunRecord } from '../../train/runStore';
import { count } from '../common/format';

/** Samples listed before "show all". */
const RECENT = 6;

const withSamples = (r: RunRecord) => r.metrics.evals.some((e) => e.sample !== undefined);

/** The step of a run's next evaluation: the next multiple of its interval, or its last step. */
function nextEval(r: RunRecord): number {
  const { evalInterval, schedule } = r.settings;
  const done = r.metrics.steps.at(-1)?.step ?? 0;
  return Math.min((Math.floor(done / evalInterval) + 1) * evalInterval, schedule.totalSteps);
}

export function TrainingSamples() {
  const runs = useRuns((s) => s.runs);
  const liveRunId = useRuns((s) => s.liveRunId);
  const [chosen, setChosen] = useState<string>();
  const [all, setAll] = useState(false);
  const live = runs.find((r) => r.id === liveRunId && writesSamples(r.settings));
  const listed = runs.filter((r) => withSamples(r) || r === live);
  if (listed.length === 0) return null;
  const run = listed.find((r) => r.id === chosen) ?? live ?? listed[listed.length - 1];
  const samples = run.metrics.evals.filter((e) => e.sample !== undefined).reverse();
  const shown = all ? samples : samples.slice(0, RECENT);
  const prompt = run.settings.samplePrompt ?? '';
  return (
    <section className="card" data-testid="training-samples">
      <div className="row" style={{ flexWrap: 'wrap' }}>
        <h2 style={{ margin: 0 }}>Samples</h2>
        {listed.length === 1 && (
          // Which run wrote them, where other runs are charted too.
          <span className="muted name-cell" data-testid="samples-run-name">
            {run.name}
          </span>
        )}
        {listed.length > 1 && (
          <label className="inline">
            run
            <select
              value={run.id}
              onChange={(e) => setChosen(e.target.value)}
              data-testid="samples-run"
            >
              {listed.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p className="muted small">
        {prompt ? `“${prompt}”` : 'From the start of a document'}, continued at each evaluation by
        the weights of that step (seed {run.settings.seed}).
      </p>
      {samples.length === 0 && (
        <p className="muted">
          The first sample comes with the next evaluation, at step {count(nextEval(run))}.
        </p>
      )}
      <ol className="samples">
        {shown.map((e) => (
          <li key={e.step} data-testid="training-sample" data-step={e.step}>
            <div className="muted small">
              step {count(e.step)} · validation loss {e.valLoss.toFixed(3)}
            </div>
            <div className="chat-text">
              <span className="muted">{prompt}</span>
              <span data-testid="training-sample-text">{e.sample}</span>
              {!e.sample && <span className="muted">(the model ended the text at once)</span>}
            </div>
          </li>
        ))}
      </ol>
      {samples.length > RECENT && (
        <button type="button" onClick={() => setAll(!all)} data-testid="samples-all">
          {all ? `Show the latest ${RECENT}` : `Show all ${samples.length}`}
        </button>
      )}
    </section>
  );
}
