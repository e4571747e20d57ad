// The conversation: the turns as they stream in (token by token on a colour of how likely the model
// found each, where asked), each reply's versions and figures, and the composer with Send or Stop,
// Regenerate, Edit last, Clear and the transcript's download.

import { useEffect, useRef } from 'react';
import { type ChatTurn, editable, regenerable, sendBlocker, useChat } from '../../store/chat';
import { fileStem } from '../../util/fileStem';
import { CopyButton } from '../common/CopyButton';
import { download } from '../common/download';
import { agree, counted } from '../common/format';
import { SendOrStop, sendsOnEnter } from './SendOrStop';
import { TokenPieces } from './TokenPieces';
import { textPerplexity } from './tokenOdds';
import { copiedText, shownText, transcriptJsonl } from './transcript';

const REASONS = {
  stop: 'ended its turn',
  length: 'reached max new tokens',
  abort: 'stopped',
} as const;

/** What each turn's Copy says it takes, by mode and role. */
const COPY_TITLES = {
  chat: { user: 'Copy the message', assistant: 'Copy the reply' },
  completion: {
    user: 'Copy the prompt',
    assistant: 'Copy the whole text: the prompt and its continuation',
  },
} as const;

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
        {counted(turn.pieces.length, 'token')} as the model read them{perplexity}
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
      {counted(tokens, 'token')} · {tokensPerSec.toFixed(1)} tokens/s · {REASONS[reason]}
      {perplexity}
    </div>
  );
}

/** The switch for the token view, and its colour key while on. */
export function OddsSwitch() {
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

export function Transcript() {
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
            {!live && (
              <CopyButton
                text={() => copiedText(turns, i, mode)}
                title={COPY_TITLES[mode][t.role]}
                testId="chat-copy"
              />
            )}
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
              ) : (
                shownText(t, mode)
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

/** Unknown characters listed before "and N more". */
const UNKNOWN_SHOWN = 8;

/** What the tokenizer made of the characters it does not know, in the last text sent. */
function unknownInWords(unknown: string[], mode: 'chat' | 'completion'): string {
  const shown = unknown
    .slice(0, UNKNOWN_SHOWN)
    .map((c) => `“${c}”`)
    .join(' ');
  const more = unknown.length > UNKNOWN_SHOWN ? ` and ${unknown.length - UNKNOWN_SHOWN} more` : '';
  return (
    `Your ${mode === 'chat' ? 'message' : 'text'} has ${agree(unknown.length, 'a character', 'characters')} ` +
    `this checkpoint's tokenizer does not know (${shown}${more}): the model reads each as <unk>, ` +
    'a token its training data barely had, so its answer follows little of it. Write with the ' +
    'characters of its training data, or train on text that has these.'
  );
}

export function Composer() {
  const state = useChat();
  const { mode, draft, streaming, dropped, unknown, error, turns } = state;
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
      {unknown.length > 0 && (
        <div className="banner warn" data-testid="chat-unknown">
          {unknownInWords(unknown, mode)}
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
            ? `generating… ${counted(streaming.tokens, 'token')} · ${streaming.tokensPerSec.toFixed(1)} tokens/s`
            : (blocker ?? '')}
        </span>
      </div>
    </>
  );
}
