// The chunk tokenizer's special tokens and their fixed ids. <pad> is 0 so that zero-filled token
// buffers are padding; the order never changes, so checkpoints and config.json can name the ids.

export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>', '<eos>', '[INST]', '[/INST]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;
export const INST_ID = 4;
export const INST_END_ID = 5;

const SPECIAL_RE = /<pad>|<unk>|<bos>|<eos>|\[INST\]|\[\/INST\]/g;

/**
 * Splits text at the special markers (leftmost first, as Hugging Face's added-token matching does).
 * Calls text(segment) for the plain text between markers and special(id) for each marker.
 */
export function splitSpecial(
  input: string,
  text: (segment: string) => void,
  special: (id: number) => void,
): void {
  SPECIAL_RE.lastIndex = 0;
  let prev = 0;
  for (let m = SPECIAL_RE.exec(input); m !== null; m = SPECIAL_RE.exec(input)) {
    if (m.index > prev) text(input.slice(prev, m.index));
    special(SPECIAL_TOKENS.indexOf(m[0] as (typeof SPECIAL_TOKENS)[number]));
    prev = m.index + m[0].length;
  }
  if (prev < input.length) text(prev === 0 ? input : input.slice(prev));
}

/**
 * The lowercasing applied to plain text (never to markers): capital sigma becomes σ everywhere,
 * then the Unicode default lowercase mapping. Replacing Σ first removes the one context-dependent
 * rule (final sigma) on which JavaScript's toLowerCase and Rust's per-character to_lowercase
 * differ, so this function, tokenizers.js and the Rust tokenizers library agree on every input.
 */
export function lowercaseText(text: string): string {
  return text.includes('Σ') ? text.replaceAll('Σ', 'σ').toLowerCase() : text.toLowerCase();
}
