// Prompts in, text out: a chat (through the chat template, its history trimmed to the context) or
// plain text becomes token ids, and the decoder's tokens become text, with token healing for a
// prompt that ends inside a chunk. The chat worker and `npm run generate` share it.
import { type ChatMessage, renderChat } from '../data/chatTemplate';
import { ChunkTokenizer } from '../data/chunkTokenizer';
import { EOS_ID, INST_END_ID, INST_ID } from '../data/specialTokens';
import { healPrompt } from '../data/tokenHealing';
import type { CheckpointMeta } from '../train/checkpoint';
import { validateConfig } from './config';
import type { FinishReason, GenerateOptions, I3Decoder, PromptScore } from './decode';
import type { TokenOdds } from './tokenOdds';

/**
 * The tokenizer a checkpoint's text goes through, after the checks that it can generate at all:
 * a valid config, a tokenizer saved with it, and one of the model's vocabulary size.
 */
export function generationTokenizer(meta: CheckpointMeta): ChunkTokenizer {
  const problems = validateConfig(meta.config);
  if (problems.length) {
    throw new Error(`This checkpoint's model config is invalid: ${problems.join('; ')}.`);
  }
  if (!meta.tokenizer) {
    throw new Error(
      'This checkpoint was saved without its tokenizer, so its text cannot be encoded. ' +
        'Pick a newer checkpoint, or resume the run to save one.',
    );
  }
  const tokenizer = ChunkTokenizer.fromJSON(meta.tokenizer);
  if (tokenizer.vocabSize !== meta.config.vocab_size) {
    throw new Error(
      `This checkpoint's tokenizer has ${tokenizer.vocabSize} tokens but its model ` +
        `${meta.config.vocab_size}: it is inconsistent and was not loaded.`,
    );
  }
  return tokenizer;
}

/** A chat (rendered through the chat template, history trimmed to the context) or plain text. */
export type TextPrompt =
  | { mode: 'chat'; messages: ChatMessage[] }
  | { mode: 'completion'; text: string };

export interface PromptIds {
  ids: Uint32Array;
  /** Chat messages left out (the oldest turns; a leading system message is always kept). */
  dropped: number;
  /** Where the latest text the user wrote starts in ids: a completion's text, a chat's message. */
  latest: number;
  /** The characters of that latest text outside the tokenizer's vocabulary (read as <unk>). */
  unknown: string[];
}

/**
 * The prompt's token ids. The context starts as a document does in the training stream, right
 * after the previous document's <eos>. A chat keeps its latest turns (a turn starts at a user
 * message) that fit the window minus room for the reply; the reply's room is maxNewTokens but at
 * most half the window, so some history always fits. The latest turn is kept even when it alone
 * is longer (the decoder slides its attention window; the SSM state keeps the rest).
 */
export function promptIds(
  tokenizer: ChunkTokenizer,
  prompt: TextPrompt,
  window: number,
  maxNewTokens: number,
): PromptIds {
  const encode = (text: string) => {
    const body = tokenizer.encode(text);
    const ids = new Uint32Array(body.length + 1);
    ids[0] = EOS_ID;
    ids.set(body, 1);
    return ids;
  };
  if (prompt.mode === 'completion') {
    const unknown = tokenizer.unknownCharacters(prompt.text);
    return { ids: encode(prompt.text), dropped: 0, latest: 1, unknown };
  }
  const messages: ChatMessage[] = prompt.messages;
  // A leading system message stays however many turns are left out.
  const system = messages[0]?.role === 'system' ? messages.slice(0, 1) : [];
  const starts = messages.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  if (starts.length === 0) throw new Error('A chat needs a user message to answer.');
  const budget = window - Math.min(maxNewTokens, Math.floor(window / 2));
  const from = (k: number) => encode(renderChat([...system, ...messages.slice(starts[k])]));
  let k = starts.length - 1;
  let ids = from(k);
  while (k > 0) {
    const longer = from(k - 1);
    if (longer.length > budget) break;
    ids = longer;
    k--;
  }
  const latestMessage = messages[starts[starts.length - 1]].content;
  return {
    ids,
    dropped: starts[k] - system.length,
    latest: ids.lastIndexOf(INST_ID) + 1,
    unknown: tokenizer.unknownCharacters(latestMessage),
  };
}

/** A token's text, and how likely the model found the token (tokenOdds.ts). */
export interface GeneratedPiece extends TokenOdds {
  text: string;
}

export interface TextGenerationOptions
  extends Omit<GenerateOptions, 'firstTokens' | 'continueContext'> {
  /**
   * Scores the prompt first (decode.ts's appendScored): called with the odds of ids[1], ids[2], …
   * (ids[0] has none) and, with promptAttention, where its tokens looked.
   */
  onPromptScore?: (score: PromptScore) => void;
  promptAttention?: boolean;
  /**
   * Once the reply has ended (by any reason), the prompt and the reply are mapped again for where
   * the reply's tokens looked (decode.ts's mapAttention: one prefill of the window's tokens, no
   * odds): called with the reply's part of those maps (its tokens within the window), unless the
   * reply is empty or the maps would not fit (MAP_BYTES).
   */
  onReplyAttention?: (attention: TextAttention) => void;
}

/**
 * The text of each token generated after `ids` (a piece a token; returns why generation
 * ended). A completion's last token is taken back and drawn again (tokenHealing.ts), and its
 * text, already in the prompt, is left out of the first token's; a chat prompt ends in [/INST]
 * and is decoded as it is. The prompt's odds are those of its tokens as written, the one taken
 * back included.
 */
export async function* generateText(
  decoder: I3Decoder,
  tokenizer: ChunkTokenizer,
  ids: Uint32Array,
  options: TextGenerationOptions,
): AsyncGenerator<GeneratedPiece, FinishReason, undefined> {
  const healed = healPrompt(tokenizer, ids);
  const context = healed?.ids ?? ids;
  let prompt = context;
  const { onPromptScore, promptAttention: attention, onReplyAttention, ...generation } = options;
  if (onPromptScore) {
    decoder.reset();
    const next = healed ? ids[ids.length - 1] : undefined;
    onPromptScore(await decoder.appendScored(prompt, { next, attention }));
    prompt = prompt.subarray(prompt.length);
  }
  const tokens = decoder.generate(prompt, {
    ...generation,
    continueContext: Boolean(onPromptScore),
    firstTokens: healed?.allowed,
  });
  let repeated = healed?.prefix.length ?? 0;
  const reply: number[] = [];
  let next = await tokens.next();
  for (; !next.done; next = await tokens.next()) {
    const { id, prob, rank } = next.value;
    reply.push(id);
    yield { text: tokenizer.decode([id]).slice(repeated), prob, rank };
    repeated = 0;
  }
  if (onReplyAttention && reply.length > 0) {
    decoder.reset();
    const all = Uint32Array.of(...context, ...reply);
    const maps = await decoder.mapAttention(all);
    if (maps) onReplyAttention(attentionPart(maps, context.length, all.length));
  }
  return next.value;
}

/** The latest text the user wrote: ids[latest ..], less a chat's closing [/INST]. */
const latestEnd = (ids: Uint32Array) =>
  ids[ids.length - 1] === INST_END_ID ? ids.length - 1 : ids.length;

/**
 * The latest text the user wrote, token by token as the model read it, with the odds of each
 * (generateText's onPromptScore).
 */
export function promptPieces(
  tokenizer: ChunkTokenizer,
  { ids, latest }: Pick<PromptIds, 'ids' | 'latest'>,
  odds: readonly TokenOdds[],
): GeneratedPiece[] {
  return Array.from(ids.subarray(latest, latestEnd(ids)), (id, k) => ({
    text: tokenizer.decode([id]),
    ...odds[latest + k - 1],
  }));
}

/**
 * Where a text's tokens looked, block by block (the latest text the user wrote, or a reply):
 * weights[(l · size + i) · size + j] is what its token i gave its token j ≤ i, averaged over the
 * heads; elsewhere[l · size + i] is what token i gave the rest of the context (the <eos> it starts
 * after, a chat's template and earlier turns, a reply's prompt). Its first `size` tokens have
 * maps: those within the window.
 */
export interface TextAttention {
  layers: number;
  size: number;
  weights: Float32Array;
  elsewhere: Float32Array;
}

/** The part of appendScored's attention maps for the tokens start..end−1 of what it scored. */
export function attentionPart(
  attention: NonNullable<PromptScore['attention']>,
  start: number,
  end: number,
): TextAttention {
  const P = attention.size;
  const layers = attention.weights.length / (P * P);
  const size = Math.max(0, Math.min(end, P) - start);
  const weights = new Float32Array(layers * size * size);
  const elsewhere = new Float32Array(layers * size);
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < size; i++) {
      const row = attention.weights.subarray((l * P + start + i) * P, (l * P + start + i + 1) * P);
      let inside = 0;
      for (let j = 0; j <= i; j++) {
        weights[(l * size + i) * size + j] = row[start + j];
        inside += row[start + j];
      }
      elsewhere[l * size + i] = Math.max(0, 1 - inside);
    }
  }
  return { layers, size, weights, elsewhere };
}

/** The latest text's part of the prompt's attention maps (appendScored's). */
export function promptAttention(
  { ids, latest }: Pick<PromptIds, 'ids' | 'latest'>,
  attention: NonNullable<PromptScore['attention']>,
): TextAttention {
  return attentionPart(attention, latest, latestEnd(ids));
}
