// What the chat shows of where a text's tokens looked (textGeneration.ts's TextAttention): the
// weights one token gave the tokens of the text up to it, in one block or averaged over all, and
// the words that say where most of it went.
import type { GeneratedPiece, TextAttention } from '../../model/textGeneration';

/** All blocks averaged, where a block index is asked for. */
export const ALL_BLOCKS = -1;

export interface AttentionRow {
  /** What token i gave each token j ≤ i of the text. */
  weights: Float32Array;
  /** What it gave the rest of the context. */
  elsewhere: number;
}

/** Token i's row in block `layer` (or ALL_BLOCKS averaged); undefined past the maps' tokens. */
export function attentionRow(a: TextAttention, layer: number, i: number): AttentionRow | undefined {
  if (!(i >= 0 && i < a.size)) return undefined;
  const layers = layer === ALL_BLOCKS ? Array.from({ length: a.layers }, (_, l) => l) : [layer];
  const weights = new Float32Array(i + 1);
  let elsewhere = 0;
  for (const l of layers) {
    const at = (l * a.size + i) * a.size;
    for (let j = 0; j <= i; j++) weights[j] += a.weights[at + j] / layers.length;
    elsewhere += a.elsewhere[l * a.size + i] / layers.length;
  }
  return { weights, elsewhere };
}

const percent = (w: number) => `${(100 * w).toFixed(w < 0.1 ? 1 : 0)}%`;
const quoted = (text: string) => `‘${text.trim() || text}’`;

/** "‘cat’ looked most at ‘the’ (41%), 12% at the rest of the context", for token i's row. */
export function attentionCaption(
  pieces: readonly GeneratedPiece[],
  i: number,
  row: AttentionRow,
  rest: string,
): string {
  let top = 0;
  for (let j = 1; j < row.weights.length; j++) if (row.weights[j] > row.weights[top]) top = j;
  const most =
    row.elsewhere > row.weights[top]
      ? `most at ${rest} (${percent(row.elsewhere)})`
      : `most at ${top === i ? 'itself' : quoted(pieces[top].text)} (${percent(row.weights[top])}), ` +
        `${percent(row.elsewhere)} at ${rest}`;
  return `${quoted(pieces[i].text)} looked ${most}`;
}
