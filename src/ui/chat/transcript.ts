// The chat's transcript as a JSONL file that the Data pane imports as it is (docs/datasets.md):
// a conversation as one {"messages": [...]} line, a completion session as one {"text": ...} line
// per prompt and its continuation. Replies are written as the pane shows them, a conversation
// after its system prompt where it had one.
import { withSystem } from '../../data/chatTemplate';
import type { ChatMode, ChatTurn } from '../../store/chat';

export function transcriptJsonl(turns: readonly ChatTurn[], mode: ChatMode, system = ''): string {
  const lines =
    mode === 'chat'
      ? [
          {
            messages: withSystem(
              system,
              turns.map(({ role, content }) => ({
                role,
                content: role === 'assistant' ? content.trimStart() : content,
              })),
            ),
          },
        ]
      : turns.flatMap((t, i) =>
          t.role === 'user' ? [{ text: t.content + (turns[i + 1]?.content ?? '') }] : [],
        );
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}
