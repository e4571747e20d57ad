// Turns a parsed record (a JSON value, a CSV cell, a parquet row value) into document text:
// a string as is, an object's "text" string, or an object's chat "messages" through the chat
// template. Text in the TinyChat form ([INST] user [/INST] reply ...) is re-rendered through the
// template too, so that every assistant turn ends with <eos>.

import { type ChatMessage, parseTinyChat, renderChat } from './chatTemplate';

const ROLES = new Set(['system', 'user', 'assistant']);

/** Normalises plain text: TinyChat lines become templated chats. */
export function textDocument(text: string): string {
  const chat = text.startsWith('[INST]') ? parseTinyChat(text) : null;
  return chat ? renderChat(chat) : text;
}

function chatMessages(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  const out: ChatMessage[] = [];
  for (const m of value) {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string') return null;
    out.push({ role: role as ChatMessage['role'], content });
  }
  return out;
}

/** The document text of a record, or an explanation of why it has none. */
export function recordDocument(value: unknown): { text: string } | { error: string } {
  if (typeof value === 'string') return { text: textDocument(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    if (typeof rec.text === 'string') return { text: textDocument(rec.text) };
    if ('messages' in rec) {
      const messages = chatMessages(rec.messages);
      if (messages) return { text: renderChat(messages) };
      return { error: '"messages" must be a list of {role: system|user|assistant, content}' };
    }
  }
  return { error: 'expected a string, a "text" field or a chat "messages" list' };
}

/** The column that holds text, by the user's choice or by a conventional name. */
export function pickColumn(columns: string[], choice: string | number | undefined): number | null {
  if (typeof choice === 'number') return choice >= 0 && choice < columns.length ? choice : null;
  if (typeof choice === 'string') {
    const i = columns.indexOf(choice);
    return i >= 0 ? i : null;
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const name of ['text', 'messages', 'content', 'body', 'document', 'sentence']) {
    const i = lower.indexOf(name);
    if (i >= 0) return i;
  }
  return columns.length === 1 ? 0 : null;
}
