// The chat pane's state: the checkpoint chatted with (loaded in the infer worker), the mode, the
// generation settings, the transcript and the generation streaming into it. The infer worker does
// the GPU and tokenizer work; this store mirrors its events. The generation settings and the
// conversation (its checkpoint, mode, turns and draft) outlive a reload (localStorage).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { withSystem } from '../data/chatTemplate';
import type { DatasetManifest } from '../data/shardStore';
import { DEFAULT_MAX_NEW_TOKENS, type FinishReason } from '../model/decode';
import { checkSampling, DEFAULT_SAMPLING } from '../model/sampling';
import type { GeneratedPiece, TextAttention } from '../model/textGeneration';
import type { GenerationSettings, InferEvent, InferPrompt, LoadedModel } from '../protocol';
import type { CheckpointSummary, RunRecord } from '../train/runStore';
import { inferWorker, subscribed } from '../workerClients';
import { useDatasets } from './datasets';
import { localStore } from './localStore';
import { useRuns } from './runs';

export type ChatMode = 'chat' | 'completion';

export interface ChatTurn {
  role: 'user' | 'assistant';
  /** A user message or completion prompt; the generated text as it streams (raw, untrimmed). */
  content: string;
  /**
   * Each token's text and how likely the model found it: a generated turn's, and a user turn's
   * when it was sent with the token view on (as the model read it).
   */
  pieces?: GeneratedPiece[];
  /** Where a turn's tokens looked, block by block (a question or reply with the token view on). */
  attention?: TextAttention;
  /** For generated turns once done: why it ended and how fast it ran. */
  stats?: { reason: FinishReason; tokens: number; tokensPerSec: number };
  /**
   * A last reply drawn again (Regenerate): every reply drawn for its question, oldest first, the
   * one streaming not yet among them; the turn shows replies[shown] (the newest once it ends).
   */
  replies?: Reply[];
  shown?: number;
}

/** One reply among those drawn for a question: what its turn shows. */
export type Reply = Omit<ChatTurn, 'role' | 'replies' | 'shown'>;

/** The reply a turn shows, as one of its replies. */
const asReply = ({ role: _role, replies: _replies, shown: _shown, ...reply }: ChatTurn): Reply =>
  reply;

/** The last turn as it shows reply k of the replies drawn for its question. */
const showing = (replies: Reply[], k: number): ChatTurn => ({
  ...replies[k],
  role: 'assistant',
  replies,
  shown: k,
});

export interface Streaming {
  requestId: string;
  tokens: number;
  tokensPerSec: number;
}

export const DEFAULT_GENERATION: GenerationSettings = {
  ...DEFAULT_SAMPLING,
  maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
  seed: 1234,
};

interface ChatState {
  checkpointId?: string;
  /** The checkpoint of the conversation a reload brought back, opened once it is listed. */
  restoreId?: string;
  /** The model the worker holds, once loaded. */
  model?: LoadedModel;
  loading: boolean;
  /** Why the selected checkpoint could not be loaded (it is then not used). */
  loadError?: string;
  mode: ChatMode;
  settings: GenerationSettings;
  /** Generated text is drawn token by token, coloured by how likely the model found each. */
  showOdds: boolean;
  turns: ChatTurn[];
  /** Put before a chat's first message, as the chat template places a system message. */
  system: string;
  /** The message or prompt being written (kept here so that it survives a pane switch). */
  draft: string;
  streaming?: Streaming;
  /** Older messages of the last chat request that did not fit the model's context. */
  dropped: number;
  /** The characters of the last text sent that the checkpoint's tokenizer does not know. */
  unknown: string[];
  /** The last generation's failure, or the worker's device problem. */
  error?: string;
  /**
   * Selects a checkpoint and loads it in the infer worker (other panes call this too). The mode
   * follows its training data, unless `keepMode` (a conversation brought back by a reload).
   */
  openCheckpoint: (id: string, keepMode?: boolean) => void;
  setMode: (mode: ChatMode) => void;
  setSettings: (patch: Partial<GenerationSettings>) => void;
  setShowOdds: (show: boolean) => void;
  setDraft: (draft: string) => void;
  setSystem: (system: string) => void;
  /** Sends the draft as a chat message or a completion prompt; false when it cannot now. */
  send: () => boolean;
  /**
   * Draws the last reply again with a new seed (shown in the settings, so that the reply can be
   * had again); false when there is no reply to redraw now.
   */
  regenerate: () => boolean;
  /** Shows reply k of those drawn for the last question (the chat goes on from it). */
  showReply: (k: number) => void;
  /**
   * Takes the last message (or prompt) back into the draft, with its reply, to be changed and
   * sent again; false when there is none or a reply is streaming.
   */
  editLast: () => boolean;
  stop: () => void;
  clear: () => void;
  apply: (event: InferEvent) => void;
}

/** What a checkpoint's training data was: its dataset's name and how many conversations it had. */
export interface TrainingData {
  dataset: string;
  conversations: number;
}

/**
 * The training data of a checkpoint, or undefined where it is not known: an imported checkpoint,
 * a deleted dataset, or one stored before conversations were counted.
 */
export function trainingData(
  checkpointId: string,
  checkpoints: readonly CheckpointSummary[],
  runs: readonly RunRecord[],
  datasets: readonly DatasetManifest[],
): TrainingData | undefined {
  const runId = checkpoints.find((c) => c.id === checkpointId)?.runId;
  const datasetId = runs.find((r) => r.id === runId)?.datasetId;
  const dataset = datasets.find((d) => d.id === datasetId);
  if (!dataset || dataset.files.some((f) => f.chats === undefined)) return undefined;
  const conversations = dataset.files.reduce((n, f) => n + (f.chats ?? 0), 0);
  return { dataset: dataset.name, conversations };
}

/** The training data of a checkpoint, from the runs and datasets the studio holds. */
function trainingDataOf(checkpointId: string): TrainingData | undefined {
  const { checkpoints, runs } = useRuns.getState();
  return trainingData(checkpointId, checkpoints, runs, useDatasets.getState().datasets);
}

/** Why the settings cannot be used, or undefined. */
export function settingsProblem(s: GenerationSettings): string | undefined {
  if (!(Number.isInteger(s.maxNewTokens) && s.maxNewTokens >= 0)) {
    return 'max new tokens must be a whole number ≥ 0';
  }
  if (!(Number.isInteger(s.seed) && s.seed >= 0 && s.seed < 2 ** 32)) {
    return 'the seed must be a whole number from 0 to 4294967295';
  }
  try {
    checkSampling(s);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Why the draft cannot be sent (a generation streaming aside), or undefined. */
export function sendBlocker(
  s: Pick<ChatState, 'checkpointId' | 'loadError' | 'settings' | 'mode' | 'draft' | 'showOdds'>,
): string | undefined {
  if (!s.checkpointId) return 'Choose a checkpoint first.';
  if (s.loadError) return 'The selected checkpoint cannot be used.';
  if (settingsProblem(s.settings)) return 'Fix the settings first.';
  // No new tokens only scores the text, which the token view shows.
  if (s.settings.maxNewTokens === 0 && !s.showOdds) {
    return 'With max new tokens 0 nothing is generated: turn on the token colours to score your text.';
  }
  if (s.mode === 'chat' && !s.draft.trim()) return 'Write a message first.';
  return undefined;
}

/** A random seed, as the settings' New seed button draws. */
export const newSeed = () => (Math.random() * 2 ** 32) >>> 0;

/**
 * Whether the last reply can be drawn again: one that ended, whose question could be sent as it
 * is now (sendBlocker: the model, the settings, the token view for a score-only request).
 */
export function regenerable(
  s: Pick<
    ChatState,
    'checkpointId' | 'loadError' | 'settings' | 'mode' | 'showOdds' | 'turns' | 'streaming'
  >,
): boolean {
  const [question, reply] = s.turns.slice(-2);
  if (s.streaming || reply?.role !== 'assistant' || !reply.stats) return false;
  return sendBlocker({ ...s, draft: question.content }) === undefined;
}

/** Whether there is a message (or prompt) to take back into the draft now (editLast). */
export const editable = (s: Pick<ChatState, 'turns' | 'streaming'>) =>
  !s.streaming && s.turns.some((t) => t.role === 'user');

/**
 * What the model is asked: a chat of the turns (after the system prompt, where there is one), or
 * a completion of the last one's text.
 */
export function chatPrompt(
  mode: ChatMode,
  turns: readonly Pick<ChatTurn, 'role' | 'content'>[],
  system = '',
): InferPrompt {
  if (mode === 'completion') return { mode, text: turns[turns.length - 1].content };
  return {
    mode,
    messages: withSystem(
      system,
      turns.map(({ role, content }) => ({ role, content })),
    ),
  };
}

/** What a reload brings back (localStorage). */
type SavedChat = Pick<
  ChatState,
  'settings' | 'showOdds' | 'system' | 'checkpointId' | 'mode' | 'turns' | 'draft'
>;

/** Tokens' odds kept for a reload at most: about 2 MB of localStorage's few. */
export const SAVED_PIECES = 50_000;

/**
 * The turns as a reload brings them back: without their attention maps, which are large (a
 * token's underline then waits for the next reply), and past SAVED_PIECES tokens' odds without
 * those too (the text stays). A reply cut off by the reload keeps its text.
 */
export function savedTurns(turns: readonly ChatTurn[]): ChatTurn[] {
  const count = (r: Reply) => r.pieces?.length ?? 0;
  const pieces = turns.reduce(
    (n, t) => n + count(t) + (t.replies ?? []).reduce((m, r) => m + count(r), 0),
    0,
  );
  const bare = <T extends Reply>({ attention: _attention, pieces: p, ...rest }: T) => ({
    ...rest,
    pieces: pieces > SAVED_PIECES ? undefined : p,
  });
  return turns.map((t) => ({ ...bare(t), replies: t.replies?.map(bare) }));
}

const worker = subscribed(inferWorker, (e) => useChat.getState().apply(e));

/** The last turn (the one streaming) with f applied. */
function updateLast(turns: ChatTurn[], f: (t: ChatTurn) => ChatTurn): ChatTurn[] {
  return turns.map((t, i) => (i === turns.length - 1 ? f(t) : t));
}

export const useChat = create<ChatState>()(
  persist(
    (set, get) => {
      /**
       * Asks the checkpoint to answer the turns (the last of them the user's); `earlier`: the
       * replies already drawn for that question (Regenerate's).
       */
      const ask = (checkpointId: string, asked: ChatTurn[], earlier?: Reply[]) => {
        const { mode, settings, showOdds, system } = get();
        const requestId = crypto.randomUUID();
        const reply: ChatTurn = { role: 'assistant', content: '', pieces: [] };
        if (earlier) Object.assign(reply, { replies: earlier, shown: earlier.length });
        set({
          turns: [...asked, reply],
          streaming: { requestId, tokens: 0, tokensPerSec: 0 },
          error: undefined,
        });
        worker().post({
          type: 'generate',
          requestId,
          checkpointId,
          prompt: chatPrompt(mode, asked, system),
          settings,
          scorePrompt: showOdds && { attention: true },
        });
      };
      return {
        loading: false,
        mode: 'chat',
        settings: DEFAULT_GENERATION,
        showOdds: false,
        turns: [],
        draft: '',
        system: '',
        dropped: 0,
        unknown: [],

        openCheckpoint: (id, keepMode) => {
          if (get().checkpointId === id && !get().loadError) return;
          // Another checkpoint may know other characters: its next reply says.
          set({
            checkpointId: id,
            loadError: undefined,
            error: undefined,
            loading: true,
            unknown: [],
          });
          worker().post({ type: 'load', checkpointId: id });
          if (keepMode) return;
          // A model answers through the chat template only if it saw conversations: one trained on
          // plain text opens in completion mode, which continues what the user writes.
          const data = trainingDataOf(id);
          if (data) get().setMode(data.conversations > 0 ? 'chat' : 'completion');
        },

        setMode: (mode) => {
          if (mode === get().mode || get().streaming) return;
          // A chat and a completion read the transcript differently: a new mode starts afresh.
          set({ mode, turns: [], dropped: 0, unknown: [], error: undefined });
        },

        setSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),

        setShowOdds: (showOdds) => set({ showOdds }),

        setDraft: (draft) => set({ draft }),
        setSystem: (system) => set({ system }),

        send: () => {
          const state = get();
          if (!state.checkpointId || state.streaming || sendBlocker(state)) return false;
          // The chat goes on from the reply shown: the others drawn for its question are let go.
          const settled = state.turns.map(({ replies: _replies, shown: _shown, ...t }) => t);
          const asked: ChatTurn[] = [...settled, { role: 'user', content: state.draft }];
          set({ draft: '' });
          ask(state.checkpointId, asked);
          return true;
        },

        regenerate: () => {
          const state = get();
          const { turns } = state;
          if (!state.checkpointId || !regenerable(state)) return false;
          set((s) => ({ settings: { ...s.settings, seed: newSeed() } }));
          // The question is asked again as it was, without its reply, which stays among its
          // replies to be shown again.
          const last = turns[turns.length - 1];
          ask(
            state.checkpointId,
            turns
              .slice(0, -1)
              .map((t, i) =>
                i === turns.length - 2 ? { ...t, pieces: undefined, attention: undefined } : t,
              ),
            last.replies ?? [asReply(last)],
          );
          return true;
        },

        showReply: (k) => {
          const { turns, streaming } = get();
          const replies = turns.at(-1)?.replies;
          if (streaming || !replies?.[k]) return;
          set({ turns: updateLast(turns, () => showing(replies, k)) });
        },

        editLast: () => {
          const state = get();
          if (!editable(state)) return false;
          const { turns } = state;
          const at = turns.findLastIndex((t) => t.role === 'user');
          set({
            draft: turns[at].content,
            turns: turns.slice(0, at),
            dropped: 0,
            unknown: [],
            error: undefined,
          });
          return true;
        },

        stop: () => {
          const s = get().streaming;
          if (s) worker().post({ type: 'stop', requestId: s.requestId });
        },

        clear: () => {
          if (get().streaming) return;
          set({ turns: [], dropped: 0, unknown: [], error: undefined });
        },

        apply: (e) => {
          const streaming = get().streaming;
          const mine = 'requestId' in e && e.requestId === streaming?.requestId;
          switch (e.type) {
            case 'loading':
              if (e.checkpointId === get().checkpointId) set({ loading: true });
              break;
            case 'loaded':
              // The worker also loads the checkpoints a comparison runs (store/compare.ts).
              if (e.model.checkpointId === get().checkpointId)
                set({ model: e.model, loading: false });
              break;
            case 'load-failed':
              if (e.checkpointId === get().checkpointId)
                set({ loading: false, loadError: e.message });
              break;
            case 'started':
              if (mine) set({ dropped: e.droppedMessages, unknown: e.unknownChars });
              break;
            case 'prompt-score':
              // The question is the turn before the reply being written.
              if (mine) {
                set((s) => ({
                  turns: s.turns.map((t, i) =>
                    i === s.turns.length - 2
                      ? { ...t, pieces: e.pieces, attention: e.attention }
                      : t,
                  ),
                }));
              }
              break;
            case 'reply-attention':
              if (mine) {
                set((s) => ({
                  turns: updateLast(s.turns, (t) => ({ ...t, attention: e.attention })),
                }));
              }
              break;
            case 'delta':
              if (mine) {
                set((s) => ({
                  turns: updateLast(s.turns, (t) => ({
                    ...t,
                    content: t.content + e.pieces.map((p) => p.text).join(''),
                    pieces: [...(t.pieces ?? []), ...e.pieces],
                  })),
                  streaming: {
                    requestId: e.requestId,
                    tokens: e.tokens,
                    tokensPerSec: e.tokensPerSec,
                  },
                }));
              }
              break;
            case 'done':
              if (mine) {
                const stats = { reason: e.reason, tokens: e.tokens, tokensPerSec: e.tokensPerSec };
                set((s) => ({
                  turns: updateLast(s.turns, (t) => {
                    const done = { ...t, stats };
                    return t.replies ? { ...done, replies: [...t.replies, asReply(done)] } : done;
                  }),
                  streaming: undefined,
                }));
              }
              break;
            case 'failed':
              if (mine) {
                // The question goes back to the draft, to be sent again once the problem is fixed;
                // a reply drawn again keeps the replies drawn before, showing the newest.
                set((s) => {
                  const earlier = s.turns.at(-1)?.replies ?? [];
                  const error = e.message === s.loadError ? undefined : e.message;
                  if (earlier.length > 0) {
                    return {
                      turns: updateLast(s.turns, () => showing(earlier, earlier.length - 1)),
                      streaming: undefined,
                      error,
                    };
                  }
                  return {
                    turns: s.turns.slice(0, -2),
                    draft: s.turns.at(-2)?.content ?? s.draft,
                    streaming: undefined,
                    error,
                  };
                });
              }
              break;
            case 'device-lost':
              set({ error: e.message, loading: false, model: undefined });
              break;
          }
        },
      };
    },
    {
      name: 'i3-studio-chat',
      version: 1,
      storage: localStore<SavedChat>(),
      // How the user likes text drawn, and the conversation as it stands.
      partialize: ({ settings, showOdds, system, checkpointId, mode, turns, draft }) => ({
        settings,
        showOdds,
        system,
        checkpointId,
        mode,
        turns: savedTurns(turns),
        draft,
      }),
      merge: (saved, current) => {
        const s = saved as Partial<SavedChat> | undefined;
        return {
          ...current,
          settings: { ...DEFAULT_GENERATION, ...s?.settings },
          showOdds: s?.showOdds ?? false,
          system: s?.system ?? '',
          mode: s?.mode ?? current.mode,
          turns: s?.turns ?? [],
          draft: s?.draft ?? '',
          restoreId: s?.checkpointId,
        };
      },
    },
  ),
);
