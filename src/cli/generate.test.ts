import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../gpu/testing';
import { I3Decoder } from '../model/decode';
import { DEFAULT_SAMPLING } from '../model/sampling';
import { generateText, promptIds } from '../model/textGeneration';
import { testCheckpoint, testCheckpointFile, tokenizer } from './testCheckpoint';

describe('npm run generate', () => {
  const ck = testCheckpoint();
  let ckptPath = '';
  let remove = async () => {};

  beforeAll(async () => {
    ({ path: ckptPath, remove } = await testCheckpointFile(ck));
  });
  afterAll(() => remove());

  it('prints the prompt and the text the chat pane would make of it, greedy', async () => {
    const prompt = 'the film was';
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/generate.ts',
        '--checkpoint',
        ckptPath,
        '--prompt',
        prompt,
      ].concat(['--temperature', '0', '--max-new-tokens', '6']),
      { timeout: 60_000 },
    );
    // The same path in this process: prompt ids, token healing, the decoder, the text.
    const rt = await testRuntime();
    const decoder = await I3Decoder.create(rt, ck.meta.config);
    decoder.loadParams(ck.params);
    const { ids } = promptIds(tokenizer, { mode: 'completion', text: prompt }, decoder.window, 6);
    const sampling = { ...DEFAULT_SAMPLING, temperature: 0, seed: 1234 };
    const texts = generateText(decoder, tokenizer, ids, { sampling, maxNewTokens: 6 });
    let text = '';
    let next = await texts.next();
    for (; !next.done; next = await texts.next()) text += next.value.text;
    decoder.destroy();
    expect(stdout).toBe(`${prompt}${text}\n[${next.value}]\n`);
  }, 60_000);
});
