// How the chat draws a token's odds (a generated one's, or one of the user's text): a colour from
// the model's probability of it (on a log scale, since a small model's likely tokens often sit at
// a few percent), the words of its tooltip, and a text's perplexity under the model.
import type { GeneratedPiece } from '../../model/textGeneration';

/** Probabilities at or below this share the coldest colour. */
export const ODDS_FLOOR = 1e-3;

/** Where p sits between ODDS_FLOOR (0) and certainty (1), on a log scale. */
export function oddsLevel(p: number): number {
  if (!(p > ODDS_FLOOR)) return 0;
  return Math.min(1, Math.log(p / ODDS_FLOOR) / Math.log(1 / ODDS_FLOOR));
}

/**
 * The background of a token of probability p: red for unlikely, through amber, to green; dark or
 * light as the theme's text needs (studio.css's --odds-lightness).
 */
export function oddsColor(p: number): string {
  return `hsl(${Math.round(oddsLevel(p) * 130)} 65% var(--odds-lightness))`;
}

/** A token's tooltip: its probability and its rank among the vocabulary. */
export function oddsTitle(piece: GeneratedPiece): string {
  const pct = piece.prob * 100;
  const shown = pct >= 10 ? pct.toFixed(0) : pct >= 0.1 ? pct.toFixed(1) : pct.toExponential(0);
  return `${shown}% · ${piece.rank === 1 ? 'the model’s first choice' : `its choice no. ${piece.rank}`}`;
}

/** exp of the mean negative log-probability of the tokens: a reply's or a prompt's perplexity. */
export function textPerplexity(pieces: readonly GeneratedPiece[]): number | undefined {
  if (pieces.length === 0) return undefined;
  const nll = pieces.reduce((s, p) => s - Math.log(Math.max(p.prob, Number.MIN_VALUE)), 0);
  return Math.exp(nll / pieces.length);
}

/** The pieces with the leading whitespace of the text left out (a chat reply's first tokens). */
export function trimPiecesStart(pieces: readonly GeneratedPiece[]): GeneratedPiece[] {
  const out: GeneratedPiece[] = [];
  let started = false;
  for (const p of pieces) {
    const text = started ? p.text : p.text.trimStart();
    if (text) {
      started = true;
      out.push({ ...p, text });
    }
  }
  return out;
}

/** Bits per character of the text the pieces spell: comparable across tokenizers. */
export function bitsPerCharacter(pieces: readonly GeneratedPiece[]): number | undefined {
  const chars = [...pieces.map((p) => p.text).join('')].length;
  if (chars === 0) return undefined;
  return pieces.reduce((s, p) => s - Math.log2(Math.max(p.prob, Number.MIN_VALUE)), 0) / chars;
}

/** How several models' scores of one text compare, and each model's score (lower: likelier). */
export interface TextScores {
  metric: 'perplexity' | 'bits per character';
  values: (number | undefined)[];
}

/**
 * The scores of one text under several models, each reading it as `readings[k]`: perplexity where
 * all read it as the same tokens, else bits per character (a perplexity per token means something
 * else for each tokenizer).
 */
export function textScores(readings: readonly (readonly GeneratedPiece[])[]): TextScores {
  const tokens = (r: readonly GeneratedPiece[]) => JSON.stringify(r.map((p) => p.text));
  const same = readings.every((r) => tokens(r) === tokens(readings[0]));
  return same
    ? { metric: 'perplexity', values: readings.map(textPerplexity) }
    : { metric: 'bits per character', values: readings.map(bitsPerCharacter) };
}
