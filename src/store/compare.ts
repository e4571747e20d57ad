// The Chat pane's comparison of checkpoints: one text, each chosen checkpoint in turn (the infer
// worker loads them one after another), with the chat's mode, settings and seed. Each checkpoint
// scores the text token by token and continues it, so that models (before and after fine-tuning,
// or a run's steps) are seen side by side on the same words.
import { create } from 'zustand';
import type { FinishReason } from '../model/decode';
import type { GeneratedPiece } from '../model/textGeneration';
import type { InferEvent } from '../protocol';
import { inferWorker, subscribed } from '../workerClients';
import { type ChatMode, chatPrompt, settingsProblem, useChat } from './chat';

export type CompareStatus = 'queued' | 'running' | 'done' | 'failed';

/** One checkpoint's part of a comparison. */
export interface CompareResult {
  checkpointId: string;
  requestId: string;
  status: CompareStatus;
  /** The text as this checkpoint read it, each token with its odds. */
  reading?: GeneratedPiece[];
  /** Its continuation, as it streams. */
  pieces: GeneratedPiece[];
  stats?: { reason: FinishReason; tokens: number; tokensPerSec: number };
  error?: string;
}

/** A comparison: the text, the mode it was read in, and each checkpoint's result in order. */
export interface Comparison {
  text: string;
  mode: ChatMode;
  results: CompareResult[];
}

/** Checkpoints compared at once, at most: each is loaded in turn, which takes a while at i3-22m. */
export const MAX_COMPARED = 6;

interface CompareState {
  /** The checkpoints chosen, in the order they were picked. */
  selected: string[];
  draft: string;
  comparison?: Comparison;
  /** Picks or unpicks a checkpoint. */
  toggle: (checkpointId: string) => void;
  setDraft: (draft: string) => void;
  /** Runs the comparison of the selected checkpoints on the draft; false when it cannot now. */
  compare: (available: readonly string[]) => boolean;
  stop: () => void;
  apply: (event: InferEvent) => void;
}

/** Whether a result is still to come (waiting its turn or streaming). */
export const pending = (r: CompareResult) => r.status === 'queued' || r.status === 'running';

/** Whether a comparison is still running. */
export const comparing = (c: Comparison | undefined) => Boolean(c?.results.some(pending));

/**
 * Why the comparison cannot start, or undefined: the chosen checkpoints that still exist
 * (`available`), the text and the chat's settings.
 */
export function compareBlocker(
  s: Pick<CompareState, 'selected' | 'draft' | 'comparison'>,
  available: readonly string[],
  settings: Parameters<typeof settingsProblem>[0],
): string | undefined {
  if (comparing(s.comparison)) return 'A comparison is running.';
  if (s.selected.filter((id) => available.includes(id)).length < 2) {
    return 'Choose two checkpoints or more.';
  }
  if (!s.draft.trim()) return 'Write the text to compare them on.';
  if (settingsProblem(settings)) return 'Fix the settings first.';
  return undefined;
}

const worker = subscribed(inferWorker, (e) => useCompare.getState().apply(e));

export const useCompare = create<CompareState>()((set, get) => {
  /**
   * The comparison with the result of `requestId` changed by f while it is pending (other
   * requests' events, and late ones of a result already ended by a lost device, pass).
   */
  const update = (requestId: string, f: (r: CompareResult) => CompareResult) => {
    const c = get().comparison;
    const mine = (r: CompareResult) => r.requestId === requestId && pending(r);
    if (!c?.results.some(mine)) return;
    set({ comparison: { ...c, results: c.results.map((r) => (mine(r) ? f(r) : r)) } });
  };
  return {
    selected: [],
    draft: '',

    toggle: (id) =>
      set((s) => ({
        selected: s.selected.includes(id)
          ? s.selected.filter((x) => x !== id)
          : [...s.selected, id].slice(-MAX_COMPARED),
      })),

    setDraft: (draft) => set({ draft }),

    compare: (available) => {
      const { mode, settings, system } = useChat.getState();
      const state = get();
      if (compareBlocker(state, available, settings)) return false;
      const text = state.draft;
      const prompt = chatPrompt(mode, [{ role: 'user', content: text }], system);
      const results = state.selected
        .filter((id) => available.includes(id))
        .map(
          (checkpointId): CompareResult => ({
            checkpointId,
            requestId: crypto.randomUUID(),
            status: 'queued',
            pieces: [],
          }),
        );
      set({ comparison: { text, mode, results } });
      for (const { checkpointId, requestId } of results) {
        worker().post({
          type: 'generate',
          requestId,
          checkpointId,
          prompt,
          settings,
          scorePrompt: { attention: false },
        });
      }
      return true;
    },

    stop: () => {
      for (const r of get().comparison?.results ?? []) {
        if (pending(r)) worker().post({ type: 'stop', requestId: r.requestId });
      }
    },

    apply: (e) => {
      switch (e.type) {
        case 'started':
          update(e.requestId, (r) => ({ ...r, status: 'running' }));
          break;
        case 'prompt-score':
          update(e.requestId, (r) => ({ ...r, reading: e.pieces }));
          break;
        case 'delta':
          update(e.requestId, (r) => ({ ...r, pieces: [...r.pieces, ...e.pieces] }));
          break;
        case 'done': {
          const stats = { reason: e.reason, tokens: e.tokens, tokensPerSec: e.tokensPerSec };
          update(e.requestId, (r) => ({ ...r, status: 'done', stats }));
          break;
        }
        case 'failed':
          update(e.requestId, (r) => ({ ...r, status: 'failed', error: e.message }));
          break;
        case 'device-lost':
          for (const r of get().comparison?.results.filter(pending) ?? []) {
            update(r.requestId, (x) => ({ ...x, status: 'failed', error: e.message }));
          }
          break;
      }
    },
  };
});
