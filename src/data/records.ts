// Turns a parsed record (a JSON value, a CSV cell or row, a parquet row value) into document
// text: a string as is, or from an object's fields (a table's columns) as recordDocument and
// documentColumns choose them: a chat ("messages", ShareGPT "conversations", or instruction and
// output fields) through the chat template, or a text field. Text in the TinyChat form
// ([INST] user [/INST] reply ...) is re-rendered through the template too, so that every
// assistant turn ends with <eos>.

import { type ChatMessage, parseTinyChat, renderChat, withSystem } from './chatTemplate';
import { FileError } from './textStream';

// Speakers as chat datasets name them: the chat template's roles, and ShareGPT's "from" values.
const ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  chatgpt: 'assistant',
};

/** Plain text as a document: TinyChat lines become templated chats. */
export function textDocument(text: string): string {
  const chat = text.startsWith('[INST]') ? parseTinyChat(text) : null;
  return chat ? renderChat(chat) : text;
}

/** Chat messages as {role, content} (OpenAI's form) or {from, value} (ShareGPT's), or null. */
function chatMessages(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  const out: ChatMessage[] = [];
  for (const m of value) {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content, from, value: text } = m as Record<string, unknown>;
    const speaker = typeof role === 'string' ? role : from;
    const said = typeof role === 'string' ? content : text;
    const mapped = typeof speaker === 'string' ? ROLES[speaker.toLowerCase()] : undefined;
    if (mapped === undefined || typeof said !== 'string') return null;
    out.push({ role: mapped, content: said });
  }
  return out;
}

// A one-turn chat kept in separate fields, as instruction-tuning datasets keep it: Alpaca
// (instruction, input, output), Dolly (instruction, context, response), OpenOrca (system_prompt,
// question, response), and prompt and completion, question and answer, input and output pairs.
// Each list in order of preference; the input, where present, follows the prompt after a blank
// line.
const PROMPT_FIELDS = ['instruction', 'prompt', 'question', 'query', 'input'];
const INPUT_FIELDS = ['input', 'context'];
const REPLY_FIELDS = ['output', 'response', 'completion', 'answer'];
const SYSTEM_FIELDS = ['system', 'system_prompt'];

/** The fields of a one-turn chat, by their names in the record (or columns). */
export interface TurnFields {
  prompt: string;
  reply: string;
  input?: string;
  system?: string;
}

/** The fields among `names` (any case) that make a one-turn chat, or null where none do. */
function turnFields(names: readonly string[]): TurnFields | null {
  const byLower = new Map(names.map((n) => [n.trim().toLowerCase(), n]));
  const find = (list: string[], not?: string) =>
    list.map((f) => byLower.get(f)).find((n) => n !== undefined && n !== not);
  const prompt = find(PROMPT_FIELDS);
  const reply = find(REPLY_FIELDS);
  if (prompt === undefined || reply === undefined) return null;
  return { prompt, reply, input: find(INPUT_FIELDS, prompt), system: find(SYSTEM_FIELDS) };
}

/** The chat of a record's one-turn fields, or why it has none. */
function turnDocument(
  rec: Record<string, unknown>,
  f: TurnFields,
): { text: string } | { error: string } {
  const text = (name: string | undefined) => {
    const v = name === undefined ? undefined : rec[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const prompt = text(f.prompt);
  const reply = text(f.reply);
  if (!prompt || !reply) {
    return { error: `"${f.prompt}" and "${f.reply}" must both be text` };
  }
  const input = text(f.input);
  const messages: ChatMessage[] = [
    { role: 'user', content: input ? `${prompt}\n\n${input}` : prompt },
    { role: 'assistant', content: reply },
  ];
  return { text: renderChat(withSystem(text(f.system), messages)) };
}

// Fields (and columns) that hold a chat's messages, then those that hold a document's text, by
// convention: a record's chat comes before its text, which instruction datasets often keep too,
// written out in their own format (Alpaca's "### Instruction:"), where the chat template is the
// studio's.
export const CHAT_NAMES: readonly string[] = ['messages', 'conversations'];
const TEXT_NAMES = ['text', 'content', 'body', 'document', 'sentence'];

/** A chat's document from a list of messages, or why that list is none. */
function chatDocument(name: string, value: unknown): { text: string } | { error: string } {
  const messages = chatMessages(value);
  if (messages) return { text: renderChat(messages) };
  return {
    error: `"${name}" must be a list of {role: system|user|assistant, content} or {from: human|gpt, value}`,
  };
}

/**
 * The document text of a record, or an explanation of why it has none: from the field chosen in
 * the import options where there is one, else a chat's fields, a one-turn chat's, or a text field
 * (CHAT_NAMES, turnFields, TEXT_NAMES).
 */
export function recordDocument(
  value: unknown,
  field?: string,
): { text: string } | { error: string } {
  if (typeof value === 'string') return { text: textDocument(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    if (field !== undefined) {
      const chosen = rec[field];
      if (typeof chosen === 'string') return { text: textDocument(chosen) };
      if (Array.isArray(chosen)) return chatDocument(field, chosen);
      return { error: `has no text in "${field}"` };
    }
    const chat = CHAT_NAMES.find((n) => n in rec);
    if (chat !== undefined) return chatDocument(chat, rec[chat]);
    const turn = turnFields(Object.keys(rec));
    if (turn) return turnDocument(rec, turn);
    const text = TEXT_NAMES.find((n) => typeof rec[n] === 'string');
    if (text !== undefined) return { text: textDocument(rec[text] as string) };
  }
  return {
    error:
      'expected a string, a "text" field, a chat "messages" or "conversations" list, or instruction and output fields',
  };
}

/**
 * The columns a table's documents come from: the column chosen in the import options (by name or
 * index), else as recordDocument reads a record's fields: a chat's column, a one-turn chat's, a
 * text column, or the only column; null for none of those.
 */
export function documentColumns(
  columns: string[],
  choice: string | number | undefined,
): { column: number } | { turn: TurnFields } | null {
  if (typeof choice === 'number') {
    return choice >= 0 && choice < columns.length ? { column: choice } : null;
  }
  if (typeof choice === 'string') {
    const i = columns.indexOf(choice);
    return i >= 0 ? { column: i } : null;
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  const chat = lower.findIndex((c) => CHAT_NAMES.includes(c));
  if (chat >= 0) return { column: chat };
  const turn = turnFields(columns);
  if (turn) return { turn };
  const text = TEXT_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0);
  if (text !== undefined) return { column: text };
  return columns.length === 1 ? { column: 0 } : null;
}

/**
 * The error for a table with neither a text column nor a chat's (documentColumns), or JSON records
 * with neither such field: the columns or fields to choose from go with it.
 */
export function noTextColumn(
  file: string,
  columns: string[],
  kind: 'column' | 'field' = 'column',
): FileError {
  return new FileError(
    'column',
    file,
    `has no "text" or "messages" ${kind}, nor instruction and output ${kind}s: choose one of ${columns.join(', ')}`,
    columns,
  );
}
