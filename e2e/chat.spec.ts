import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { dropFiles } from './drop';
import { openStudio } from './studio';

// Chat with a checkpoint through the UI: i3-test trained on a file whose every line repeats
// "abcdefg ", then greedy completion continues the pattern (Copy takes the prompt with it; also from
// a prompt that ends inside one of the tokenizer's chunks), a seeded sampled completion comes out
// the same twice (and Regenerate's, with the seed it shows), Stop ends a long generation at once,
// characters the tokenizer never saw are named, the two checkpoints compared on one text score and continue it, and a chat that outgrows the
// context (16 tokens for i3-test) says that older messages were left out, downloads as a dataset
// file, and gives its last message back to edit; the token view colours each generated token, and
// the prompt's, by its probability; the settings outlive a reload.

const UNIT = 'abcdefg ';
// Long lines, so that the end of a line (after "…cde" comes "fg<eos>" once per line instead of
// "fg ") is rare next to the pattern's continuation.
const LINE = UNIT.repeat(30).trim();
const CORPUS = Array.from({ length: 120 }, () => LINE).join('\n');
// Three units are 24 characters: a whole cycle of the tokenizer's 3-character chunks, so the
// prefix ends where a line's tokens do.
const PREFIX = UNIT.repeat(3);

const replies = (page: Page) => page.locator('[data-testid="chat-turn"][data-role="assistant"]');

/** Sends the prompt (with Enter) and waits for the generation to end; returns the reply's turn. */
async function complete(page: Page, prompt: string) {
  const reply = replies(page).nth(await replies(page).count());
  await page.getByTestId('chat-input').fill(prompt);
  await page.getByTestId('chat-input').press('Enter');
  await expect(reply).toHaveAttribute('data-reason', /.+/);
  return reply;
}

test('greedy decoding of a model trained on a repeating corpus continues the pattern', async ({
  page,
}) => {
  test.setTimeout(360_000);
  const errors = await openStudio(page);

  await dropFiles(page, 'dropzone', [{ name: 'pattern.txt', text: CORPUS }]);
  const pattern = page.getByTestId('dataset').filter({ hasText: 'pattern' });
  await expect(pattern).toHaveAttribute('data-status', 'complete');
  // Every line is the same document: the repeats stay in training with the first copy, but for
  // one, which the validation split takes so as not to be empty; the pane says so.
  await expect(pattern.getByTestId('dataset-repeated')).toContainText(
    '119 repeated documents (99.2%)',
  );
  await expect(pattern.getByTestId('dataset-shared')).toContainText(
    '1 of them in the other split from their first copy',
  );
  await expect(pattern).toContainText('119 train / 1 validation documents');

  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByLabel('peak learning rate').fill('0.01');
  await page.getByLabel('batch (sequences)').fill('8');
  await page.getByTestId('total-steps').fill('60');
  await page.getByTestId('checkpoint-interval').fill('30');
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', {
    timeout: 240_000,
  });

  await page.getByRole('tab', { name: 'Chat' }).click();
  // The newest checkpoint (the run's last) is chosen and loaded by itself.
  await expect(page.getByTestId('chat-model')).toContainText('step 60');
  await page.getByTestId('chat-mode-completion').check();
  await page.getByTestId('chat-temperature').fill('0');
  await page.getByTestId('chat-max-new-tokens').fill('24');

  // Greedy: the continuation follows the pattern (24 tokens of 3 characters each).
  const greedy = await complete(page, PREFIX);
  const text = (await greedy.getByTestId('chat-output').textContent()) ?? '';
  expect(text.length).toBeGreaterThanOrEqual(40);
  expect(PREFIX + text).toBe(LINE.slice(0, PREFIX.length + text.length));
  await expect(greedy).toContainText('tokens/s');
  // Copy takes a completion's whole text: its prompt and the continuation.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await greedy.getByTestId('chat-copy').click();
  await expect(greedy.getByTestId('chat-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(PREFIX + text);

  // The token view: each generated token on the colour of its probability. Greedy draws the
  // model's first choice every time, and the reply's perplexity is that of its tokens.
  await page.getByTestId('chat-odds').check();
  const tokens = greedy.getByTestId('chat-token');
  await expect(tokens).toHaveCount(24);
  expect(await greedy.getByTestId('chat-output').textContent()).toBe(text);
  const odds = await tokens.evaluateAll((els) =>
    els.map((e) => [Number(e.getAttribute('data-prob')), Number(e.getAttribute('data-rank'))]),
  );
  expect(odds.every(([p, rank]) => p > 0 && p <= 1 && rank === 1)).toBe(true);
  const ppl = Math.exp(-odds.reduce((s, [p]) => s + Math.log(p), 0) / odds.length);
  expect(Number(await greedy.getByTestId('chat-perplexity').textContent())).toBeCloseTo(ppl, 1);
  // The pattern is learnt: the model is sure of most of it.
  expect(ppl).toBeLessThan(2);

  // A prompt that stops inside a chunk: "…abcdefg" ends in "fg", which the training stream has
  // only at a line's end, before <eos>. Token healing draws that chunk again ("fg " here), so the
  // pattern goes on instead of ending.
  const cut = PREFIX.trimEnd();
  const healed = await complete(page, cut);
  const more = (await healed.getByTestId('chat-output').textContent()) ?? '';
  expect(more.length).toBeGreaterThanOrEqual(40);
  expect(cut + more).toBe(LINE.slice(0, cut.length + more.length));
  // With the token view on, the prompt is scored too: each of its tokens as the model read it,
  // on the colour of the probability the model gave it after the text before it. Within the
  // pattern each is the model's first choice; the last, "fg", is not: there the model expects
  // "fg ", which is why token healing draws that token again.
  const asked = page.locator('[data-testid="chat-turn"][data-role="user"]').last();
  const read = asked.getByTestId('chat-token');
  expect((await read.allTextContents()).join('')).toBe(cut);
  const ranks = await read.evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute('data-rank'))),
  );
  expect(ranks.slice(1, -1).every((rank) => rank === 1)).toBe(true);
  expect(ranks.at(-1)).toBeGreaterThan(1);
  await expect(asked.getByTestId('chat-perplexity')).toBeVisible();
  const cutPerplexity = Number(await asked.getByTestId('chat-perplexity').textContent());
  // Where the prompt's tokens looked: pointing at one underlines the tokens up to it by the
  // attention it gave them (all blocks averaged), the rest going to the document's start.
  const caption = asked.getByTestId('attention-caption');
  await expect(caption).toContainText('Point at a token');
  const attentionOf = () =>
    read.evaluateAll((els) => els.map((e) => e.getAttribute('data-attention')));
  await read.nth(4).hover();
  await expect(caption).toContainText(/looked most at .*%/);
  const mean = await attentionOf();
  expect(mean.slice(5).every((w) => w === null)).toBe(true);
  const inside = mean.slice(0, 5).reduce((a, w) => a + Number(w), 0);
  expect(inside).toBeGreaterThan(0);
  expect(inside).toBeLessThan(1.0001);
  // One block alone gives its own weights.
  await asked.getByTestId('attention-layer').selectOption({ label: 'block 2' });
  await expect.poll(attentionOf).not.toEqual(mean);
  // The reply's tokens too, once it has ended: pointing at one underlines the reply's tokens up
  // to it, the rest of its attention going to the prompt.
  const replied = healed.getByTestId('chat-token');
  const replyCaption = healed.getByTestId('attention-caption');
  await replied.nth(3).hover();
  await expect(replyCaption).toContainText(/looked most at .*%/);
  const toReply = await replied.evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-attention')),
  );
  expect(toReply.slice(4).every((w) => w === null)).toBe(true);
  const replyInside = toReply.slice(0, 4).reduce((a, w) => a + Number(w), 0);
  expect(replyInside).toBeGreaterThan(0);
  expect(replyInside).toBeLessThan(1.0001);
  // No new tokens: the text is only scored.
  await page.getByTestId('chat-max-new-tokens').fill('0');
  const none = await complete(page, PREFIX);
  await expect(none).toContainText('nothing generated: max new tokens is 0');
  const scored = page.locator('[data-testid="chat-turn"][data-role="user"]').last();
  expect((await scored.getByTestId('chat-token').allTextContents()).join('')).toBe(PREFIX);
  await page.getByTestId('chat-max-new-tokens').fill('24');

  // The run's two checkpoints compared on the prompt the chat healed above: each scores it and
  // continues it with the same settings, one after the other in the chat's worker. Step 60 reads
  // and continues it as the chat did; step 30, picked last, runs last, and the chat keeps step 60.
  const compare = page.getByTestId('compare');
  await compare.locator('[data-testid="compare-pick"][data-step="60"]').check();
  await expect(compare.getByTestId('compare-status')).toHaveText('Choose two checkpoints or more.');
  await compare.locator('[data-testid="compare-pick"][data-step="30"]').check();
  await compare.getByTestId('compare-input').fill(cut);
  await compare.getByTestId('compare-run').click();
  const results = compare.getByTestId('compare-result');
  await expect(results).toHaveCount(2);
  for (const r of await results.all()) await expect(r).toHaveAttribute('data-status', 'done');
  await expect(results.nth(0)).toContainText('step 60');
  await expect(results.nth(1)).toContainText('step 30');
  expect(await results.nth(0).getByTestId('compare-output').textContent()).toBe(more);
  await expect(compare.getByTestId('compare-scores')).toHaveAttribute('data-metric', 'perplexity');
  const [at60, at30] = await compare
    .getByTestId('compare-score-value')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
  expect(at60).toBeCloseTo(cutPerplexity, 2);
  expect(at30).toBeGreaterThan(0);
  expect(at30).not.toBeCloseTo(at60, 3);
  await expect(page.getByTestId('chat-model')).toContainText('step 60');

  // Seeded sampling: the same request twice gives the same text.
  await page.getByTestId('chat-temperature').fill('1.5');
  await page.getByTestId('chat-top-k').fill('0');
  await page.getByTestId('chat-seed').fill('7');
  const first = await (await complete(page, 'abc')).getByTestId('chat-output').textContent();
  const second = await (await complete(page, 'abc')).getByTestId('chat-output').textContent();
  expect(first).toBeTruthy();
  expect(second).toBe(first);
  // Regenerate draws the last continuation again with a new seed, which the settings show: sent
  // with that seed, the prompt gets the same text again.
  const turnCount = await page.getByTestId('chat-turn').count();
  await page.getByTestId('chat-regenerate').click();
  await expect(page.getByTestId('chat-seed')).not.toHaveValue('7');
  await expect(replies(page).last()).toHaveAttribute('data-reason', /.+/);
  await expect(page.getByTestId('chat-turn')).toHaveCount(turnCount);
  const redrawn = await replies(page).last().getByTestId('chat-output').textContent();
  // Both continuations stay: ‹ shows the one before, › the new one again.
  const redrawnTurn = replies(page).last();
  await expect(redrawnTurn.getByTestId('reply-shown')).toHaveText('2 of 2');
  await redrawnTurn.getByTestId('reply-before').click();
  await expect(redrawnTurn.getByTestId('reply-shown')).toHaveText('1 of 2');
  await expect(redrawnTurn.getByTestId('chat-output')).toHaveText(second ?? '');
  await expect(redrawnTurn.getByTestId('reply-before')).toBeDisabled();
  await redrawnTurn.getByTestId('reply-after').click();
  await expect(redrawnTurn.getByTestId('chat-output')).toHaveText(redrawn ?? '');
  const seed = await page.getByTestId('chat-seed').inputValue();
  await page.getByTestId('chat-seed').fill(seed);
  expect(await (await complete(page, 'abc')).getByTestId('chat-output').textContent()).toBe(
    redrawn,
  );
  await page.getByTestId('chat-seed').fill('7');

  // Stop interrupts a long generation at once.
  await page.getByTestId('chat-temperature').fill('0');
  await page.getByTestId('chat-max-new-tokens').fill('100000');
  await page.getByTestId('chat-input').fill(PREFIX);
  await page.getByTestId('chat-send').click();
  const long = replies(page).last();
  await expect(long).toHaveAttribute('data-streaming', 'true');
  await expect(long.getByTestId('chat-output')).toHaveText(/.{30}/);
  await page.getByTestId('chat-stop').click();
  await expect(long).toHaveAttribute('data-reason', 'abort', { timeout: 5_000 });
  await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('chat-send')).toBeVisible();

  // Characters the tokenizer never saw (the corpus has "abcdefg " only): the pane names them, and
  // a text without any clears it.
  await expect(page.getByTestId('chat-unknown')).toHaveCount(0);
  await page.getByTestId('chat-max-new-tokens').fill('4');
  await complete(page, 'abc xyz!x');
  await expect(page.getByTestId('chat-unknown')).toContainText(
    "Your text has characters this checkpoint's tokenizer does not know (“x” “y” “z” “!”)",
  );
  await complete(page, 'abc');
  await expect(page.getByTestId('chat-unknown')).toHaveCount(0);

  // Chat mode: with 4 tokens kept for the reply, 12 of i3-test's 16-token context hold the
  // history. The first turn fits; the second (9 tokens with the leading <eos>, [INST] and
  // [/INST]) fits alone but not after the first turn and its reply (7 or more), and the pane says so.
  await page.getByTestId('chat-mode-chat').check();
  await page.getByTestId('chat-max-new-tokens').fill('4');
  await complete(page, 'abc');
  await expect(page.getByTestId('chat-dropped')).toHaveCount(0);
  await complete(page, 'abcdefg abcdefg');
  await expect(page.getByTestId('chat-dropped')).toContainText('2 oldest messages were left out');
  await expect(page.locator('[data-testid="chat-turn"][data-role="user"]')).toHaveCount(2);
  // The transcript downloads as a dataset file: one conversation, the replies as shown.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('chat-download').click(),
  ]);
  expect(file.suggestedFilename()).toBe('i3-test-1-chat.jsonl');
  const lines = readFileSync((await file.path()) ?? '', 'utf8')
    .trimEnd()
    .split('\n');
  expect(lines).toHaveLength(1);
  const shownReplies = await replies(page).getByTestId('chat-output').allTextContents();
  expect(JSON.parse(lines[0])).toEqual({
    messages: [
      { role: 'user', content: 'abc' },
      { role: 'assistant', content: shownReplies[0] },
      { role: 'user', content: 'abcdefg abcdefg' },
      { role: 'assistant', content: shownReplies[1] },
    ],
  });
  // Edit last: the message comes back into the box, and its exchange leaves the transcript.
  await page.getByTestId('chat-edit-last').click();
  await expect(page.getByTestId('chat-input')).toHaveValue('abcdefg abcdefg');
  await expect(page.locator('[data-testid="chat-turn"][data-role="user"]')).toHaveCount(1);
  await page.getByTestId('chat-input').fill('abc abc');
  await page.getByTestId('chat-input').press('Enter');
  await expect(replies(page).last()).toHaveAttribute('data-reason', /.+/);
  const askedNow = page.locator('[data-testid="chat-turn"][data-role="user"]');
  await expect(askedNow).toHaveCount(2);
  const tokensOf = async (k: number) =>
    (await askedNow.nth(k).getByTestId('chat-token').allTextContents()).join('').trim();
  expect([await tokensOf(0), await tokensOf(1)]).toEqual(['abc', 'abc abc']);

  // A system prompt, a chat's only: the transcript starts with it, as the model was asked.
  await page.getByTestId('chat-system').fill('answer in letters');
  const [withSystem] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('chat-download').click(),
  ]);
  const conversation = JSON.parse(readFileSync((await withSystem.path()) ?? '', 'utf8'));
  expect(conversation.messages.slice(0, 2)).toEqual([
    { role: 'system', content: 'answer in letters' },
    { role: 'user', content: 'abc' },
  ]);
  await page.getByTestId('chat-mode-completion').check();
  await expect(page.getByTestId('chat-system')).toHaveCount(0);
  await page.getByTestId('chat-mode-chat').check();

  // The generation settings, the system prompt and the conversation outlive a reload: here a chat
  // with the run's older checkpoint, which opens again with it, in the mode it was in (chosen by
  // hand: the checkpoint's data had no conversations, so it opened in completion mode).
  const older = page.getByTestId('chat-checkpoint').locator('option', { hasText: 'step 30' });
  await page.getByTestId('chat-checkpoint').selectOption((await older.getAttribute('value')) ?? '');
  await expect(page.getByTestId('chat-model')).toContainText('step 30');
  await expect(page.getByTestId('chat-mode-completion')).toBeChecked();
  await page.getByTestId('chat-mode-chat').check();
  const before = await (await complete(page, 'abc')).getByTestId('chat-output').textContent();
  await page.getByTestId('chat-input').fill('half-written');
  await page.reload();
  await page.getByRole('tab', { name: 'Chat' }).click();
  await expect(page.getByTestId('chat-max-new-tokens')).toHaveValue('4');
  await expect(page.getByTestId('chat-temperature')).toHaveValue('0');
  await expect(page.getByTestId('chat-seed')).toHaveValue('7');
  await expect(page.getByTestId('chat-odds')).toBeChecked();
  await expect(page.getByTestId('chat-model')).toContainText('step 30');
  await expect(page.getByTestId('chat-mode-chat')).toBeChecked();
  await expect(page.getByTestId('chat-system')).toHaveValue('answer in letters');
  await expect(page.getByTestId('chat-input')).toHaveValue('half-written');
  await expect(page.locator('[data-testid="chat-turn"][data-role="user"]')).toHaveCount(1);
  await expect(replies(page).last().getByTestId('chat-output')).toHaveText(before ?? '');
  // Its tokens keep their colours; the chat goes on from it.
  await expect(replies(page).last().getByTestId('chat-token')).not.toHaveCount(0);
  await complete(page, 'abc abc');
  await expect(page.locator('[data-testid="chat-turn"][data-role="user"]')).toHaveCount(2);
  // Clear empties it for good.
  await page.getByTestId('chat-clear').click();
  await page.reload();
  await page.getByRole('tab', { name: 'Chat' }).click();
  await expect(page.getByTestId('chat-model')).toContainText('step 30');
  await expect(page.getByTestId('chat-turn')).toHaveCount(0);

  expect(errors).toEqual([]);
});
