// Turns a parsed record (a JSON value, a CSV cell or row, a parquet row value) into document
// text: a string as is, an object's "text" string, or a chat through the chat template (an
// object's "messages" or ShareGPT "conversations", or its instruction and output fields). Text in
// the TinyChat form ([INST] user [/INST] reply ...) is re-rendered through the template too, so
// that every assistant turn ends with <eos>.

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

/** The document text of a record, or an explanation of why it has none. */
export function recordDocument(value: unknown): { text: string } | { error: string } {
  if (typeof value === 'string') return { text: textDocument(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    if (typeof rec.text === 'string') return { text: textDocument(rec.text) };
    for (const key of ['messages', 'conversations']) {
      if (!(key in rec)) continue;
      const messages = chatMessages(rec[key]);
      if (messages) return { text: renderChat(messages) };
      return {
        error: `"${key}" must be a list of {role: system|user|assistant, content} or {from: human|gpt, value}`,
      };
    }
    const turn = turnFields(Object.keys(rec));
    if (turn) return turnDocument(rec, turn);
  }
  return {
    error:
      'expected a string, a "text" field, a chat "messages" or "conversations" list, or instruction and output fields',
  };
}

/** The column that holds text, by the user's choice or by a conventional name. */
function pickColumn(columns: string[], choice: string | number | undefined): number | null {
  if (typeof choice === 'number') return choice >= 0 && choice < columns.length ? choice : null;
  if (typeof choice === 'string') {
    const i = columns.indexOf(choice);
    return i >= 0 ? i : null;
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const name of [
    'text',
    'messages',
    'conversations',
    'content',
    'body',
    'document',
    'sentence',
  ]) {
    const i = lower.indexOf(name);
    if (i >= 0) return i;
  }
  return columns.length === 1 ? 0 : null;
}

/**
 * The columns a table's documents come from: the text column (by the user's choice or a
 * conventional name), or else a one-turn chat's (instruction and output, ...); null for neither.
 */
export function documentColumns(
  columns: string[],
  choice: string | number | undefined,
): { column: number } | { turn: TurnFields } | null {
  const column = pickColumn(columns, choice);
  if (column !== null) return { column };
  const turn = choice === undefined ? turnFields(columns) : null;
  return turn ? { turn } : null;
}

/** The error for a table with neither a text column nor a chat's (documentColumns). */
export function noTextColumn(file: string, columns: string[]): FileError {
  return new FileError(
    'column',
    file,
    `has no "text" or "messages" column, nor instruction and output columns: choose one of ${columns.join(', ')}`,
    columns,
  );
}
