// Token healing for prompts. The chunk tokenizer matches greedily, so a prompt's last token is
// often shorter than the chunk the training stream has at that place, where more text follows:
// "this movie was" ends in "as", where the stream has "as " before the next word. A model sees
// such a chunk mostly where a document ends, and answers with <eos> (an i3-22m trained on the
// built-in corpus did, for that prompt: docs/tokenizer.md). So the last token is taken back, and
// the first token drawn must start with its text: the model picks the chunk it knows ("as ",
// "ast", or "as" itself).
import type { ChunkTokenizer } from './chunkTokenizer';
import { SPECIAL_TOKENS } from './specialTokens';

interface HealedPrompt {
  /** The prompt without its last token. */
  ids: Uint32Array;
  /** That token's text: the first token drawn starts with it, and shows only what follows. */
  prefix: string;
  /** The tokens that may be drawn first: every token whose text starts with the prefix. */
  allowed: number[];
}

/**
 * The healed prompt, or undefined where there is nothing to heal: a prompt of one token, a last
 * token that is special (a chat turn's [/INST]), or one that no other token extends.
 */
export function healPrompt(tokenizer: ChunkTokenizer, ids: Uint32Array): HealedPrompt | undefined {
  if (ids.length < 2) return undefined;
  const last = ids[ids.length - 1];
  if (last < SPECIAL_TOKENS.length) return undefined;
  const prefix = tokenizer.vocab[last];
  const allowed: number[] = [];
  for (let id = SPECIAL_TOKENS.length; id < tokenizer.vocabSize; id++) {
    if (tokenizer.vocab[id].startsWith(prefix)) allowed.push(id);
  }
  if (allowed.length < 2) return undefined;
  return { ids: ids.subarray(0, ids.length - 1), prefix, allowed };
}
