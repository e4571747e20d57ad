// The i3 chat template, used for chat datasets, the chat pane and tokenizer_config.json:
//
//   [INST] {user} [/INST] {assistant}<eos>      one such turn after another, nothing between
//
// Contents are trimmed. A leading system message is put before the first user message, followed
// by a blank line ("\n\n"), inside the first [INST]. A conversation that ends with a user message
// ends with " [/INST]", the prompt from which the model writes " {assistant}<eos>".

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** `messages` after a system message of `system`, where that has any text. */
export const withSystem = (system: string, messages: ChatMessage[]): ChatMessage[] =>
  system.trim() ? [{ role: 'system', content: system }, ...messages] : messages;

export function renderChat(messages: readonly ChatMessage[]): string {
  let out = '';
  let system = '';
  for (const m of messages) {
    const content = m.content.trim();
    if (m.role === 'system') system = content;
    else if (m.role === 'user') {
      out += `[INST] ${system ? `${system}\n\n` : ''}${content} [/INST]`;
      system = '';
    } else out += ` ${content}<eos>`;
  }
  return out;
}

/** The same template in Jinja, for tokenizer_config.json (tested against renderChat). */
export const CHAT_TEMPLATE_JINJA =
  "{%- set ns = namespace(system='') -%}" +
  '{%- for m in messages -%}' +
  "{%- if m['role'] == 'system' -%}{%- set ns.system = m['content'] | trim -%}" +
  "{%- elif m['role'] == 'user' -%}" +
  "{{ '[INST] ' }}{%- if ns.system -%}{{ ns.system + '\\n\\n' }}{%- endif -%}" +
  "{{ m['content'] | trim }}{{ ' [/INST]' }}{%- set ns.system = '' -%}" +
  "{%- else -%}{{ ' ' }}{{ m['content'] | trim }}{{ '<eos>' }}" +
  '{%- endif -%}{%- endfor -%}';

const TURN_RE = /\[INST\]([\s\S]*?)\[\/INST\]([\s\S]*?)(?=\[INST\]|$)/g;
const STRAY_MARKERS_RE = /<\/?s>|<eos>|<bos>/g;

/**
 * Parses a TinyChat line, `[INST] user [/INST] reply` repeated, into messages; null when the line
 * is not in that form. Stray <s>, </s>, <bos>, <eos> between turns are dropped.
 */
export function parseTinyChat(line: string): ChatMessage[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('[INST]')) return null;
  const messages: ChatMessage[] = [];
  TURN_RE.lastIndex = 0;
  let consumed = 0;
  for (let m = TURN_RE.exec(trimmed); m !== null; m = TURN_RE.exec(trimmed)) {
    if (m[0].length === 0) break;
    messages.push({ role: 'user', content: m[1].replace(STRAY_MARKERS_RE, '') });
    const reply = m[2].replace(STRAY_MARKERS_RE, '').trim();
    if (reply) messages.push({ role: 'assistant', content: reply });
    consumed = m.index + m[0].length;
  }
  return consumed === trimmed.length && messages.length > 0 ? messages : null;
}
