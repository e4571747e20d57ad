// The Train pane's queue: runs that start one after another, each when the run before it ends,
// so that the GPU can train a series unattended. The next run's setup is queued as it is, or as a
// sweep: one run for each of a few values of one setting (sweep.ts), drawn in the sweep chart.
import { useState } from 'react';
import { useGpu } from '../../store/gpu';
import { useQueue } from '../../store/queue';
import { useRuns } from '../../store/runs';
import {
  parseSweepValues,
  SWEEP_AXES,
  type SweepAxis,
  type SweepValue,
  sweepProblems,
  sweepRunName,
  sweepVariant,
} from '../../train/sweep';
import { duration } from '../common/format';
import type { NextRun } from '../common/nextRun';
import { queueDoneIn, queuedSeconds } from './queueTime';

export function RunQueue({
  next,
  blocker,
  onQueued,
}: {
  next: NextRun;
  /** Why the next run's setup cannot train as it is (undefined: it can). */
  blocker?: string;
  onQueued: () => void;
}) {
  const { queued, held, notice, enqueue, remove, moveUp, clear, startNext } = useQueue();
  const live = useRuns((s) => s.liveRunId);
  const runs = useRuns((s) => s.runs);
  const seconds = queuedSeconds(queued, runs);
  const done = queueDoneIn(live, runs, seconds);
  const gpuReady = useGpu((s) => s.status === 'ready');
  const maxBufferSize = useGpu((s) => s.adapter?.maxBufferSize);
  const [axis, setAxis] = useState<SweepAxis>('peakLr');
  const [text, setText] = useState('');
  const values = text.trim() ? parseSweepValues(text, axis) : undefined;
  const problems =
    Array.isArray(values) && maxBufferSize
      ? sweepProblems(next.config, next.settings, axis, values, maxBufferSize)
      : [];
  // The swept setting may mend the setup's own problem (a batch too large), so only what no value
  // can mend holds the sweep: the GPU, the dataset.
  const sweepBlocker = !gpuReady || !next.datasetId ? blocker : undefined;
  const startsNow = !live && held === undefined && queued.length === 0;
  const queueSetup = () => {
    enqueue([{ ...next, runId: crypto.randomUUID() }]);
    onQueued();
  };
  const queueSweep = (vs: SweepValue[]) => {
    const id = crypto.randomUUID();
    enqueue(
      vs.map((value) => ({
        ...next,
        ...sweepVariant(next.config, next.settings, axis, value),
        runId: crypto.randomUUID(),
        name: sweepRunName(next.name, axis, value),
        sweep: { id, axis, value },
      })),
    );
    setText('');
    onQueued();
  };
  return (
    <fieldset className="run-queue" data-testid="run-queue">
      <legend className="small muted">
        queue runs to start one after another, or sweep one setting
      </legend>
      <div className="row" style={{ gap: '0.6rem', flexWrap: 'wrap', alignItems: 'end' }}>
        {live && (
          <button
            type="button"
            disabled={Boolean(blocker)}
            title={blocker ?? 'Start this setup when the runs before it end'}
            onClick={queueSetup}
            data-testid="queue-run"
          >
            Queue this setup
          </button>
        )}
        <label className="field wide">
          <span>sweep</span>
          <select
            value={axis}
            onChange={(e) => setAxis(e.target.value as SweepAxis)}
            data-testid="sweep-axis"
          >
            {(Object.keys(SWEEP_AXES) as SweepAxis[]).map((a) => (
              <option key={a} value={a}>
                {SWEEP_AXES[a].label} (now {SWEEP_AXES[a].get(next.config, next.settings)})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>over the values</span>
          <input
            value={text}
            placeholder={
              SWEEP_AXES[axis].choices?.join(', ') ??
              (axis === 'peakLr' ? '1e-3, 3e-3, 1e-2' : 'two or more, with commas')
            }
            onChange={(e) => setText(e.target.value)}
            data-testid="sweep-values"
          />
        </label>
        <button
          type="button"
          disabled={!Array.isArray(values) || problems.length > 0 || Boolean(sweepBlocker)}
          title={sweepBlocker}
          onClick={() => Array.isArray(values) && queueSweep(values)}
          data-testid="queue-sweep"
        >
          {Array.isArray(values)
            ? `${startsNow ? 'Start' : 'Queue'} a sweep of ${values.length} runs`
            : 'Sweep'}
        </button>
      </div>
      {typeof values === 'string' && (
        <p className="small warn-text" role="alert" data-testid="sweep-problem">
          {values}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="small warn-text" role="alert" data-testid="sweep-problem">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {!text.trim() && (
        <p className="small muted">
          A sweep trains this setup once for each value, one run after another; the sweep chart puts
          their lowest validation losses side by side.
        </p>
      )}
      {notice && (
        <p className="small warn-text" role="alert" data-testid="queue-notice">
          {notice}
        </p>
      )}
      {queued.length > 0 && (
        <div data-testid="queued-runs" data-count={queued.length}>
          <p className="small muted">
            {held ?? 'Queued: each starts when the run before it ends (a stop ends only that run).'}
            {done !== undefined && (
              <span data-testid="queue-done-in"> All done in about {duration(done)}.</span>
            )}
          </p>
          <ol className="small">
            {queued.map((r, i) => (
              <li key={r.runId} data-testid="queued-run">
                {r.name}
                {seconds[i] !== undefined && (
                  <span className="muted"> (about {duration(seconds[i])})</span>
                )}{' '}
                {i > 0 && (
                  <button
                    type="button"
                    aria-label={`start ${r.name} earlier`}
                    onClick={() => moveUp(r.runId)}
                    data-testid="queued-run-up"
                  >
                    ↑
                  </button>
                )}
                <button
                  type="button"
                  aria-label={`take ${r.name} off the queue`}
                  onClick={() => remove(r.runId)}
                >
                  remove
                </button>
              </li>
            ))}
          </ol>
          <div className="row">
            {held !== undefined && !live && (
              <button
                type="button"
                className="primary"
                disabled={!gpuReady}
                onClick={startNext}
                data-testid="queue-start-next"
              >
                Start the next run
              </button>
            )}
            <button type="button" onClick={clear} data-testid="queue-clear">
              Clear the queue
            </button>
          </div>
        </div>
      )}
    </fieldset>
  );
}
