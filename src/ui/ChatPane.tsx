// The Chat pane: pick any checkpoint (trained or imported), chat with it through the chat template
// or let it continue a text, with the sampling settings at hand; replies stream in as the infer
// worker generates them, and Stop ends a generation at once. Replies and the user's text can be
// drawn token by token, coloured by how likely the model found each (tokenOdds.ts), and the
// tokens of both show what they attended to (tokenAttention.ts). Below, several checkpoints are
// compared on one text (CompareCheckpoints). The transcript downloads as a dataset file.
import { useEffect, useRef } from 'react';
import type { GenerationSettings } from '../protocol';
import {
  type ChatMode,
  type ChatTurn,
  editable,
  newSeed,
  regenerable,
  sendBlocker,
  settingsProblem,
  trainingData,
  useChat,
} from '../store/chat';
import { useDatasets } from '../store/datasets';
import { useNav } from '../store/nav';
import { useNewestCheckpoints, useRuns } from '../store/runs';
import { CompareCheckpoints } from './CompareCheckpoints';
import { download, fileStem } from './download';
import { checkpointName, count } from './format';
import { SendOrStop, sendsOnEnter } from './SendOrStop';
import { TokenPieces } from './TokenPieces';
import { textPerplexity } from './tokenOdds';
import { transcriptJsonl } from './transcript';

const REASONS = {
  stop: 'ended its turn',
  length: 'reached max new tokens',
  abort: 'stopped',
} as const;

const SETTING_FIELDS: { key: keyof GenerationSettings; label: string; step: number }[] = [
  { key: 'temperature', label: 'temperature (0 = greedy)', step: 0.05 },
  { key: 'topK', label: 'top-k (0 = off)', step: 1 },
  { key: 'topP', label: 'top-p (1 = off)', step: 0.01 },
  { key: 'repetitionPenalty', label: 'repetition penalty (1 = off)', step: 0.05 },
  { key: 'maxNewTokens', label: 'max new tokens (0 = score only)', step: 1 },
  { key: 'seed', label: 'seed', step: 1 },
];

const testId = (key: string) => `chat-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The chat's system prompt: the chat template puts it before the first message kept. */
function SystemPrompt({ disabled }: { disabled: boolean }) {
  const system = useChat((s) => s.system);
  const setSystem = useChat((s) => s.setSystem);
  return (
    <label className="field system-prompt">
      <span>system prompt (optional)</span>
      <textarea
        rows={2}
        value={system}
        onChange={(e) => setSystem(e.target.value)}
        disabled={disabled}
        placeholder="Put before your first message, inside its [INST], as training chats with a system message had it"
        data-testid="chat-system"
      />
    </label>
  );
}

function ModelCard() {
  const checkpoints = useNewestCheckpoints();
  const { checkpointId, model, loading, loadError, mode, settings, streaming } = useChat();
  const { openCheckpoint, setMode, setSettings } = useChat.getState();
  const newest = checkpoints[0]?.id;
  useEffect(() => {
    if (!useChat.getState().checkpointId && newest) openCheckpoint(newest);
  }, [newest, openCheckpoint]);
  const problem = settingsProblem(settings);
  const shown = model?.checkpointId === checkpointId ? model : undefined;
  return (
    <section className="card">
      <h2>Model</h2>
      <div
        className="row"
        style={{ flexWrap: 'wrap', alignItems: 'end', gap: '1.5rem', justifyContent: 'flex-start' }}
      >
        <label className="field wide">
          <span>checkpoint</span>
          <select
            className="chat-checkpoint"
            value={checkpointId ?? ''}
            onChange={(e) => e.target.value && openCheckpoint(e.target.value)}
            disabled={Boolean(streaming)}
            data-testid="chat-checkpoint"
          >
            {!checkpointId && <option value="">choose…</option>}
            {checkpoints.map((c) => (
              <option key={c.id} value={c.id}>
                {checkpointName(c)} · {new Date(c.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="chat-mode" disabled={Boolean(streaming)}>
          <legend className="muted small">mode</legend>
          {(['chat', 'completion'] as ChatMode[]).map((m) => (
            <label key={m} className="inline">
              <input
                type="radio"
                name="chat-mode"
                checked={mode === m}
                onChange={() => setMode(m)}
                data-testid={`chat-mode-${m}`}
              />
              {m === 'chat' ? 'chat (template)' : 'completion (plain text)'}
            </label>
          ))}
        </fieldset>
      </div>
      {mode === 'chat' && <SystemPrompt disabled={Boolean(streaming)} />}
      {checkpoints.length === 0 && (
        <p className="muted" data-testid="chat-no-checkpoints">
          No checkpoints yet:{' '}
          <button type="button" onClick={() => useNav.getState().show('train')}>
            train a run
          </button>{' '}
          or{' '}
          <button type="button" onClick={() => useNav.getState().show('checkpoints')}>
            import a model
          </button>{' '}
          (a bundle's files, or a model on the web).
        </p>
      )}
      <p className="muted small" data-testid="chat-model" aria-live="polite">
        {loading
          ? 'Loading the checkpoint…'
          : shown
            ? `${shown.runName}, step ${count(shown.step)}: ${count(shown.parameters)} parameters, ` +
              `context ${shown.contextLength} tokens, vocabulary ${count(shown.vocabSize)} · ${shown.adapter}`
            : ''}
      </p>
      {checkpointId && <DataHint checkpointId={checkpointId} mode={mode} />}
      {loadError && (
        <div className="banner error" role="alert" data-testid="chat-load-error">
          {loadError}
        </div>
      )}
      <div className="fields">
        {SETTING_FIELDS.map(({ key, label, step }) => (
          <label key={key} className="field">
            <span>{label}</span>
            <input
              type="number"
              step={step}
              min={0}
              value={Number.isFinite(settings[key]) ? settings[key] : ''}
              onChange={(e) => setSettings({ [key]: e.target.valueAsNumber })}
              data-testid={testId(key)}
            />
          </label>
        ))}
      </div>
      <button
        type="button"
        onClick={() => setSettings({ seed: newSeed() })}
        data-testid="chat-new-seed"
      >
        New seed
      </button>{' '}
      <span className="muted small">
        The same checkpoint, prompt, settings and seed give the same text.
      </span>
      {problem && (
        <div className="banner error" role="alert" data-testid="chat-settings-error">
          Fix the settings: {problem}.
        </div>
      )}
    </section>
  );
}

/** What the checkpoint was trained on, and so which mode suits it (the store opens it in that one). */
function DataHint({ checkpointId, mode }: { checkpointId: string; mode: ChatMode }) {
  // Subscribed, so that the hint follows runs and datasets as they load or change.
  const checkpoints = useRuns((s) => s.checkpoints);
  const runs = useRuns((s) => s.runs);
  const datasets = useDatasets((s) => s.datasets);
  const data = trainingData(checkpointId, checkpoints, runs, datasets);
  if (!data) return null;
  const text =
    data.conversations > 0
      ? `Trained on ${data.dataset}, with ${count(data.conversations)} conversations: chat mode ` +
        'answers through their template.'
      : `Trained on ${data.dataset}: plain text, no conversations. Completion continues what you ` +
        `write${mode === 'chat' ? '; in chat mode its replies will not follow the template' : ''}.`;
  return (
    <p className="muted small" data-testid="chat-data-hint">
      {text}
    </p>
  );
}

/** Which of the replies drawn for the last question shows: ‹ k of n ›, the chat going on from it. */
function ReplyPicker({ turn, live }: { turn: ChatTurn; live: boolean }) {
  const showReply = useChat((s) => s.showReply);
  const n = (turn.replies?.length ?? 0) + (live ? 1 : 0);
  const k = turn.shown ?? 0;
  return (
    <span className="reply-picker small muted" data-testid="reply-picker">
      <button
        type="button"
        onClick={() => showReply(k - 1)}
        disabled={live || k === 0}
        aria-label="the reply before"
        data-testid="reply-before"
      >
        ‹
      </button>
      <span data-testid="reply-shown">
        {k + 1} of {n}
      </span>
      <button
        type="button"
        onClick={() => showReply(k + 1)}
        disabled={live || k + 1 >= n}
        aria-label="the reply after"
        data-testid="reply-after"
      >
        ›
      </button>
    </span>
  );
}

function TurnStats({ turn, showOdds }: { turn: ChatTurn; showOdds: boolean }) {
  const ppl = textPerplexity(turn.pieces ?? []);
  const perplexity = ppl !== undefined && (
    <span title="exp of the mean negative log-probability of the text's tokens under this model">
      {' '}
      · perplexity <span data-testid="chat-perplexity">{ppl.toFixed(ppl < 100 ? 2 : 0)}</span>
    </span>
  );
  if (turn.role === 'user') {
    // A question's tokens are scored only while the token view is on.
    if (!(showOdds && turn.pieces)) return null;
    return (
      <div className="muted small">
        {count(turn.pieces.length)} tokens as the model read them{perplexity}
      </div>
    );
  }
  if (!turn.stats) return null;
  const { reason, tokens, tokensPerSec } = turn.stats;
  if (tokens === 0 && reason === 'length') {
    return <div className="muted small">nothing generated: max new tokens is 0</div>;
  }
  return (
    <div className="muted small">
      {count(tokens)} tokens · {tokensPerSec.toFixed(1)} tokens/s · {REASONS[reason]}
      {perplexity}
    </div>
  );
}

/** The switch for the token view, and its colour key while on. */
function OddsSwitch() {
  const showOdds = useChat((s) => s.showOdds);
  return (
    <div className="chat-odds">
      <label title="The model's tokens, and yours from your next message on: each on the colour of the probability the model gave it after the text before it">
        <input
          type="checkbox"
          checked={showOdds}
          onChange={(e) => useChat.getState().setShowOdds(e.target.checked)}
          data-testid="chat-odds"
        />{' '}
        colour the tokens by how likely the model found them
      </label>
      {showOdds && (
        <span className="chat-odds-key small muted" aria-hidden="true">
          0.1% <span className="chat-odds-scale" /> 100%
        </span>
      )}
    </div>
  );
}

function Transcript() {
  const { turns, mode, dropped, streaming, showOdds } = useChat();
  const log = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever the text grows
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [turns]);
  const last = turns.length - 1;
  return (
    <div className="chat-log" role="log" aria-live="polite" ref={log} data-testid="chat-log">
      {turns.length === 0 && (
        <p className="muted">
          {mode === 'chat'
            ? 'Write a message below; the model answers through the chat template.'
            : 'Write the start of a text below; the model continues it.'}
        </p>
      )}
      {turns.map((t, i) => {
        const live = i === last && Boolean(streaming);
        const out = t.role === 'assistant';
        return (
          <div
            // Turns are only appended or cleared, so the index is a stable key.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            key={i}
            className={[
              'chat-turn',
              t.role,
              mode,
              mode === 'chat' && i < dropped ? 'dropped' : '',
            ].join(' ')}
            title={
              mode === 'chat' && i < dropped ? 'Left out: it no longer fits the context' : undefined
            }
            data-testid="chat-turn"
            data-role={t.role}
            data-streaming={live || undefined}
            data-reason={t.stats?.reason}
          >
            <span className="muted small">
              {out
                ? mode === 'chat'
                  ? 'model'
                  : 'continuation'
                : mode === 'chat'
                  ? 'you'
                  : 'prompt'}
            </span>
            {i === last && t.replies && <ReplyPicker turn={t} live={live} />}
            <div
              className="chat-text"
              data-testid={out && !(showOdds && t.pieces) ? 'chat-output' : undefined}
            >
              {showOdds && t.pieces ? (
                <TokenPieces
                  pieces={t.pieces}
                  attention={t.attention}
                  chat={mode === 'chat'}
                  reply={out}
                  testId={out ? 'chat-output' : undefined}
                />
              ) : mode === 'chat' && out ? (
                t.content.trimStart()
              ) : (
                t.content
              )}
              {live && <span className="chat-cursor" aria-hidden="true" />}
            </div>
            <TurnStats turn={t} showOdds={showOdds} />
          </div>
        );
      })}
    </div>
  );
}

function Composer() {
  const state = useChat();
  const { mode, draft, streaming, dropped, error, turns } = state;
  const { setDraft, send, stop, clear, regenerate, editLast } = useChat.getState();
  const blocker = sendBlocker(state);
  return (
    <>
      {mode === 'chat' && dropped > 0 && (
        <div className="banner warn" data-testid="chat-dropped">
          The {dropped} oldest {dropped === 1 ? 'message was' : 'messages were'} left out: the
          conversation no longer fits the model's context with room for the reply (dimmed above).
        </div>
      )}
      {error && (
        <div className="banner error" role="alert" data-testid="chat-error">
          {error}
        </div>
      )}
      <textarea
        className="chat-input"
        value={draft}
        rows={3}
        placeholder={
          mode === 'chat'
            ? 'Message (Enter sends, Shift+Enter a new line, Esc stops)'
            : 'Text to continue (Enter sends, Shift+Enter a new line, Esc stops)'
        }
        aria-label={mode === 'chat' ? 'message' : 'prompt'}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (sendsOnEnter(e)) {
            e.preventDefault();
            send();
          } else if (e.key === 'Escape' && streaming) {
            e.preventDefault();
            stop();
          }
        }}
        data-testid="chat-input"
      />
      <div className="row" style={{ justifyContent: 'flex-start', flexWrap: 'wrap' }}>
        <SendOrStop
          running={Boolean(streaming)}
          label="Send"
          blocker={blocker}
          onSend={send}
          onStop={stop}
          testIds={['chat-send', 'chat-stop']}
        />
        <button
          type="button"
          onClick={regenerate}
          disabled={!regenerable(state)}
          title={`Draw the last ${mode === 'chat' ? 'reply' : 'continuation'} again, with a new seed`}
          data-testid="chat-regenerate"
        >
          Regenerate
        </button>
        <button
          type="button"
          onClick={editLast}
          disabled={!editable(state)}
          title={`Take the last ${mode === 'chat' ? 'message' : 'prompt'} back into the box, with its reply, to change it and send it again`}
          data-testid="chat-edit-last"
        >
          Edit last
        </button>
        <button
          type="button"
          onClick={clear}
          disabled={Boolean(streaming) || turns.length === 0}
          data-testid="chat-clear"
        >
          Clear
        </button>
        <button
          type="button"
          onClick={() =>
            download(
              new Blob([transcriptJsonl(turns, mode, state.system)], {
                type: 'application/x-ndjson',
              }),
              `${fileStem(state.model?.runName ?? 'i3')}-${mode}.jsonl`,
            )
          }
          disabled={Boolean(streaming) || turns.length === 0}
          title="The transcript as a .jsonl file that the Data pane imports as a dataset"
          data-testid="chat-download"
        >
          Download
        </button>
        <span
          className="muted small"
          data-testid="chat-status"
          data-state={streaming ? 'streaming' : 'idle'}
        >
          {streaming
            ? `generating… ${count(streaming.tokens)} tokens · ${streaming.tokensPerSec.toFixed(1)} tokens/s`
            : (blocker ?? '')}
        </span>
      </div>
    </>
  );
}

export function ChatPane() {
  return (
    <div className="chat-pane">
      <ModelCard />
      <section className="card">
        <h2>Conversation</h2>
        <OddsSwitch />
        <Transcript />
        <Composer />
      </section>
      <CompareCheckpoints />
    </div>
  );
}
