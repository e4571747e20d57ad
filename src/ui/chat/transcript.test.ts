import { describe, expect, it } from 'vitest';
import { renderChat } from '../../data/chatTemplate';
import { recordDocument } from '../../data/records';
import type { ChatTurn } from '../../store/chat';
import { copiedText, transcriptJsonl } from './transcript';

const turns: ChatTurn[] = [
  { role: 'user', content: 'the film' },
  { role: 'assistant', content: ' was long' },
  { role: 'user', content: 'and?' },
  { role: 'assistant', content: '\n good "enough"' },
];

/** The documents the importer makes of the file's lines. */
const documents = (jsonl: string) =>
  jsonl
    .trimEnd()
    .split('\n')
    .map((line) => recordDocument(JSON.parse(line)));

describe('the chat transcript as a dataset file', () => {
  it('writes a conversation as one chat the importer renders through the template', () => {
    const jsonl = transcriptJsonl(turns, 'chat');
    expect(jsonl.endsWith('\n')).toBe(true);
    expect(documents(jsonl)).toEqual([
      {
        text: renderChat([
          { role: 'user', content: 'the film' },
          { role: 'assistant', content: 'was long' },
          { role: 'user', content: 'and?' },
          { role: 'assistant', content: 'good "enough"' },
        ]),
      },
    ]);
  });

  it('writes a conversation after its system prompt, as the model was asked it', () => {
    const [chat] = documents(transcriptJsonl(turns.slice(0, 2), 'chat', 'Be brief.'));
    expect(chat).toEqual({
      text: renderChat([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'the film' },
        { role: 'assistant', content: 'was long' },
      ]),
    });
    expect(chat).toMatchObject({ text: expect.stringMatching(/^\[INST\] Be brief\.\n\nthe film/) });
  });

  it('writes each completion as a text of its prompt and continuation', () => {
    expect(documents(transcriptJsonl(turns, 'completion'))).toEqual([
      { text: 'the film was long' },
      { text: 'and?\n good "enough"' },
    ]);
    expect(transcriptJsonl([], 'completion')).toBe('');
  });
});

describe("what a turn's Copy takes", () => {
  it('takes a chat turn as shown: the reply without the space before it', () => {
    expect(turns.map((_, i) => copiedText(turns, i, 'chat'))).toEqual([
      'the film',
      'was long',
      'and?',
      'good "enough"',
    ]);
  });

  it('takes a continuation with its prompt, the whole text', () => {
    expect(turns.map((_, i) => copiedText(turns, i, 'completion'))).toEqual([
      'the film',
      'the film was long',
      'and?',
      'and?\n good "enough"',
    ]);
  });
});
