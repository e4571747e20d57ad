// The Chat pane's comparison of checkpoints (store/compare.ts): pick two or more, write a text,
// and see how likely each finds it (bars: lower is likelier) and how each continues it, side by
// side, with the mode, sampling settings and seed of the Model card above.
import { useChat } from '../../store/chat';
import {
  type CompareResult,
  type Comparison,
  compareBlocker,
  comparing,
  MAX_COMPARED,
  pending,
  useCompare,
} from '../../store/compare';
import { useNewestCheckpoints } from '../../store/runs';
import { checkpointName, counted } from '../common/format';
import { SendOrStop, sendsOnEnter } from './SendOrStop';
import { TokenPieces } from './TokenPieces';
import { textPerplexity, textScores } from './tokenOdds';

const STATUS = {
  queued: 'waiting its turn',
  running: 'loading and generating…',
  done: '',
  failed: '',
} as const;

function ScoreBars({ comparison, names }: { comparison: Comparison; names: Map<string, string> }) {
  const read = comparison.results.filter((r) => r.reading);
  if (read.length === 0) return null;
  const { metric, values } = textScores(read.map((r) => r.reading ?? []));
  const shown = values.filter((v): v is number => v !== undefined);
  const top = Math.max(...shown);
  const best = Math.min(...shown);
  return (
    <div className="compare-scores" data-testid="compare-scores" data-metric={metric}>
      <p className="muted small">
        How likely each checkpoint finds the text: its {metric}
        {metric === 'perplexity'
          ? ' over the text’s tokens'
          : ' (their tokenizers read the text as different tokens, so a per-token perplexity would not compare)'}
        ; lower is likelier.
      </p>
      {read.map((r, k) => {
        const v = values[k];
        return (
          <div key={r.requestId} className="compare-score" data-testid="compare-score">
            <span className="compare-score-name">{names.get(r.checkpointId)}</span>
            <span className="compare-bar">
              <span
                style={{ width: `${v === undefined ? 0 : Math.max(1, (100 * v) / top)}%` }}
                className={v === best && read.length > 1 ? 'lowest' : undefined}
              />
            </span>
            <span data-testid="compare-score-value" data-value={v}>
              {v === undefined ? '—' : v.toFixed(v < 100 ? 2 : 0)}
            </span>
          </div>
        );
      })}
    </div>
  );
}

function ResultCard({
  result,
  name,
  chat,
  showOdds,
}: {
  result: CompareResult;
  name: string;
  chat: boolean;
  showOdds: boolean;
}) {
  const { status, reading, pieces, stats, error } = result;
  const text = pieces.map((p) => p.text).join('');
  const ppl = textPerplexity(pieces);
  return (
    <div className="compare-result" data-testid="compare-result" data-status={status}>
      <div className="compare-result-name">{name}</div>
      {showOdds && reading && (
        <div className="compare-reading">
          <div className="muted small">the text, as it read it</div>
          <div className="chat-text">
            <TokenPieces pieces={reading} chat={chat} />
          </div>
        </div>
      )}
      <div className="chat-text" data-testid="compare-output">
        {showOdds ? <TokenPieces pieces={pieces} chat={chat} /> : chat ? text.trimStart() : text}
      </div>
      <div className="muted small">
        {error ? (
          <span className="error-text" role="alert">
            {error}
          </span>
        ) : stats ? (
          <>
            {counted(stats.tokens, 'token')} · {stats.tokensPerSec.toFixed(1)} tokens/s
            {stats.reason === 'abort' && ' · stopped'}
            {ppl !== undefined &&
              ` · its continuation's perplexity ${ppl.toFixed(ppl < 100 ? 2 : 0)}`}
          </>
        ) : (
          STATUS[status]
        )}
      </div>
    </div>
  );
}

export function CompareCheckpoints() {
  const checkpoints = useNewestCheckpoints();
  const state = useCompare();
  const { selected, draft, comparison } = state;
  const { toggle, setDraft, compare, stop } = useCompare.getState();
  const settings = useChat((s) => s.settings);
  const showOdds = useChat((s) => s.showOdds);
  const mode = useChat((s) => s.mode);
  const available = checkpoints.map((c) => c.id);
  const blocker = compareBlocker(state, available, settings);
  const running = comparing(comparison);
  const names = new Map(checkpoints.map((c) => [c.id, checkpointName(c)]));
  if (checkpoints.length < 2) return null;
  return (
    <section className="card" data-testid="compare">
      <h2>Compare checkpoints</h2>
      <p className="muted small">
        The same text for each checkpoint you pick (up to {MAX_COMPARED}), in the mode and with the
        settings and seed above: how likely each finds it, and how each continues it. Before and
        after fine-tuning, or a run's steps, side by side.
      </p>
      <fieldset className="compare-picks" disabled={running}>
        <legend className="muted small">checkpoints</legend>
        {checkpoints.map((c) => (
          <label key={c.id} className="inline">
            <input
              type="checkbox"
              checked={selected.includes(c.id)}
              onChange={() => toggle(c.id)}
              data-testid="compare-pick"
              data-step={c.step}
            />
            {checkpointName(c)}
          </label>
        ))}
      </fieldset>
      <textarea
        className="chat-input"
        value={draft}
        rows={2}
        placeholder={
          mode === 'chat'
            ? 'A message for each to answer (Enter compares)'
            : 'A text for each to score and continue (Enter compares)'
        }
        aria-label="text to compare on"
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (sendsOnEnter(e)) {
            e.preventDefault();
            compare(available);
          }
        }}
        data-testid="compare-input"
      />
      <div className="row" style={{ justifyContent: 'flex-start', flexWrap: 'wrap' }}>
        <SendOrStop
          running={running}
          label="Compare"
          blocker={blocker}
          onSend={() => compare(available)}
          onStop={stop}
          testIds={['compare-run', 'compare-stop']}
        />
        <span className="muted small" data-testid="compare-status">
          {running
            ? `comparing… ${comparison?.results.filter((r) => !pending(r)).length} of ${comparison?.results.length} done`
            : (blocker ?? '')}
        </span>
      </div>
      {comparison && (
        <>
          <ScoreBars comparison={comparison} names={names} />
          <div className="compare-results">
            {comparison.results.map((r) => (
              <ResultCard
                key={r.requestId}
                result={r}
                name={names.get(r.checkpointId) ?? 'a deleted checkpoint'}
                chat={comparison.mode === 'chat'}
                showOdds={showOdds}
              />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
