// A text drawn token by token, each token on the colour of how likely the model found it
// (tokenOdds.ts), its odds in a tooltip; a text with its attention maps (a user's, or a reply's)
// also shows, for the token pointed at, what it looked at (tokenAttention.ts).
import { useState } from 'react';
import type { GeneratedPiece, TextAttention } from '../../model/textGeneration';
import { ALL_BLOCKS, attentionCaption, attentionRow } from './tokenAttention';
import { oddsColor, oddsTitle, trimPiecesStart } from './tokenOdds';

/**
 * A text's tokens, each on the colour of its probability, with its odds as a tooltip. With
 * `attention`, pointing at a token (or focusing it) underlines the tokens before
 * it by the attention it gave them, in the chosen block or averaged over all.
 */
export function TokenPieces({
  pieces: all,
  attention,
  chat,
  reply = false,
  testId,
}: {
  pieces: readonly GeneratedPiece[];
  attention?: TextAttention;
  /**
   * Chat mode: the text's leading whitespace (the template's) is left out, and the rest of the
   * context is the template and the earlier turns.
   */
  chat: boolean;
  /** A generated text: the rest of its context is the prompt before it. */
  reply?: boolean;
  /** The test id of the tokens' span: the text alone, without the attention controls. */
  testId?: string;
}) {
  const pieces = chat ? trimPiecesStart(all) : all;
  // Trimming drops leading pieces only: index k here is all[k + skipped].
  const skipped = all.length - pieces.length;
  const [hovered, setHovered] = useState<number>();
  const [layer, setLayer] = useState(ALL_BLOCKS);
  const row =
    attention && hovered !== undefined
      ? attentionRow(attention, layer, hovered + skipped)
      : undefined;
  const top = row ? Math.max(...row.weights) : 0;
  const rest = reply
    ? chat
      ? 'your message and the turns before'
      : 'the prompt'
    : chat
      ? 'the template and earlier turns'
      : 'the document start';
  return (
    <>
      <span data-testid={testId}>
        {pieces.map((p, k) => {
          const w = row?.weights[k + skipped];
          return (
            <span
              // Pieces are only appended, so the index is a stable key.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              key={k}
              className={k === hovered && row ? 'chat-token looking' : 'chat-token'}
              style={{
                background: oddsColor(p.prob),
                ...(w !== undefined && w > 0 && { boxShadow: underline(w / top) }),
              }}
              title={oddsTitle(p)}
              {...(attention && {
                role: 'button',
                tabIndex: 0,
                onMouseEnter: () => setHovered(k),
                onFocus: () => setHovered(k),
              })}
              data-testid="chat-token"
              data-prob={p.prob}
              data-rank={p.rank}
              data-attention={w}
            >
              {p.text}
            </span>
          );
        })}
      </span>
      {attention && (
        <div className="chat-attention small muted">
          <label>
            attention in{' '}
            <select
              value={layer}
              onChange={(e) => setLayer(Number(e.target.value))}
              data-testid="attention-layer"
            >
              <option value={ALL_BLOCKS}>all blocks (mean)</option>
              {Array.from({ length: attention.layers }, (_, l) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: blocks are numbered
                <option key={l} value={l}>
                  block {l + 1}
                </option>
              ))}
            </select>
          </label>{' '}
          <span data-testid="attention-caption">
            {row && hovered !== undefined
              ? attentionCaption(all, hovered + skipped, row, rest)
              : hovered !== undefined
                ? 'Past the model’s context: no attention map for this token.'
                : 'Point at a token (or tab to it) to underline what it looked at.'}
          </span>
        </div>
      )}
    </>
  );
}

/** An underline as strong as a token's share of the hovered token's attention (1: the most). */
const underline = (strength: number) =>
  `inset 0 -4px 0 rgb(56 189 248 / ${Math.max(0.08, strength).toFixed(2)})`;
