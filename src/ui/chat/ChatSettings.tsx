// The chat's model card: the checkpoint, chat or completion mode (and a hint of which its training
// data suits), the system prompt, and the sampling settings with the seed.

import { useEffect } from 'react';
import type { GenerationSettings } from '../../protocol';
import { type ChatMode, newSeed, settingsProblem, trainingData, useChat } from '../../store/chat';
import { useDatasets } from '../../store/datasets';
import { useNav } from '../../store/nav';
import { useNewestCheckpoints, useRuns } from '../../store/runs';
import { checkpointName, count, counted } from '../common/format';

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

export function ModelCard() {
  const checkpoints = useNewestCheckpoints();
  const { checkpointId, model, loading, loadError, mode, settings, streaming } = useChat();
  const { openCheckpoint, setMode, setSettings } = useChat.getState();
  const newest = checkpoints[0]?.id;
  useEffect(() => {
    const { checkpointId, restoreId } = useChat.getState();
    if (checkpointId || !newest) return;
    // The conversation a reload brought back goes on with its checkpoint, where that is still kept.
    const restored = checkpoints.find((c) => c.id === restoreId);
    if (restored) openCheckpoint(restored.id, true);
    else openCheckpoint(newest);
  }, [checkpoints, newest, openCheckpoint]);
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
      ? `Trained on ${data.dataset}, with ${counted(data.conversations, 'conversation')}: chat mode ` +
        'answers through their template.'
      : `Trained on ${data.dataset}: plain text, no conversations. Completion continues what you ` +
        `write${mode === 'chat' ? '; in chat mode its replies will not follow the template' : ''}.`;
  return (
    <p className="muted small" data-testid="chat-data-hint">
      {text}
    </p>
  );
}
