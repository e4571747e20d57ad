// The chat's transcript as a JSONL file that the Data pane imports as it is (docs/datasets.md):
// a conversation as one {"messages": [...]} line, a completion session as one {"text": ...} line
// per prompt and its continuation. Replies are written as the pane shows them, a conversation
// after its system prompt where it had one.
import { withSystem } from '../../data/chatTemplate';
import type { ChatMode, ChatTurn } from '../../store/chat';

/** A turn's text as the pane shows it: a chat reply without the space the template leaves first. */
export const shownText = (t: ChatTurn, mode: ChatMode): string =>
  mode === 'chat' && t.role === 'assistant' ? t.content.trimStart() : t.content;

/** A completion's whole text: prompt i and the continuation after it, if any. */
const completionText = (turns: readonly ChatTurn[], i: number): string =>
  turns[i].content + (turns[i + 1]?.content ?? '');

/**
 * What turn i's Copy takes: its text as shown; for a completion's continuation, the whole text (its
 * prompt and the continuation), as the transcript writes it.
 */
export function copiedText(turns: readonly ChatTurn[], i: number, mode: ChatMode): string {
  const t = turns[i];
  if (mode === 'completion' && t.role === 'assistant' && i > 0) return completionText(turns, i - 1);
  return shownText(t, mode);
}

export function transcriptJsonl(turns: readonly ChatTurn[], mode: ChatMode, system = ''): string {
  const lines =
    mode === 'chat'
      ? [
          {
            messages: withSystem(
              system,
              turns.map((t) => ({ role: t.role, content: shownText(t, mode) })),
            ),
          },
        ]
      : turns.flatMap((t, i) => (t.role === 'user' ? [{ text: completionText(turns, i) }] : []));
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}
