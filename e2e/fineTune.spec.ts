import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { dropFiles } from './drop';
import { openStudio } from './studio';

// Fine-tuning in a real Chromium: a model trained on one dataset trains further on other files,
// imported with its tokenizer (the Data pane's borrowed tokenizer), as a new run on them; both
// checkpoints are evaluated on the new files, and the bundle's model card carries the figures.

const lines = (unit: string) =>
  Array.from({ length: 120 }, () => unit.repeat(20).trim()).join('\n');

test('trains a checkpoint further on new files imported with its tokenizer', async ({ page }) => {
  test.setTimeout(300_000);
  // The bundle comes as a download (no save picker), for the test to read.
  await page.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  const errors = await openStudio(page);
  const dataset = (name: string) => page.getByTestId('dataset').filter({ hasText: name });

  await dropFiles(page, 'dropzone', [{ name: 'base.txt', text: lines('abcdefg ') }]);
  await expect(dataset('base')).toHaveAttribute('data-status', 'complete');
  const vocab = (await dataset('base').textContent())?.match(/vocabulary ([\d,]+)/)?.[1];
  expect(vocab).toBeTruthy();

  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByTestId('total-steps').fill('6');
  await page.getByTestId('checkpoint-interval').fill('6');
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();
  const runs = page.getByTestId('run-row');
  await expect(runs.first()).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });

  // Other text, with characters the base tokenizer never saw, imported with that tokenizer.
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByText('Import options').click();
  const choice = page.getByTestId('import-tokenizer');
  await choice.selectOption({ label: `base.txt (${vocab} tokens)` });
  await expect(page.getByTestId('import-tokenizer-note')).toBeVisible();
  await expect(page.getByLabel('Vocabulary size')).toBeHidden();
  await dropFiles(page, 'dropzone', [{ name: 'tuned.txt', text: lines('gfedcba xyz ') }]);
  await expect(dataset('tuned')).toHaveAttribute('data-status', 'complete');
  await expect(dataset('tuned')).toContainText(`vocabulary ${vocab}`);
  await expect(dataset('tuned')).toContainText('unknown characters');

  // With the new dataset selected, the checkpoint trains further on it, from its start, on a
  // schedule of its own.
  await page.getByRole('tab', { name: 'Train' }).click();
  const select = page.getByTestId('train-dataset');
  await select.selectOption(
    (await select.locator('option', { hasText: 'tuned' }).getAttribute('value')) ?? '',
  );
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  // Twenty steps on the new files.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('total-steps').fill('20');
  // The learning-rate finder for that fine-tuning: from the checkpoint's weights, on the new
  // files, with the settings training it further would have.
  const from = page.getByTestId('lr-from');
  await expect(from.locator('option')).toHaveText([
    'the next run (new weights)',
    'i3-test #1 · step 6 trained further',
  ]);
  await from.selectOption({ label: 'i3-test #1 · step 6 trained further' });
  await expect(page.getByTestId('lr-finder')).toContainText(
    'Trains a throwaway copy of i3-test #1 · step 6 (its weights and optimizer state',
  );
  await page.getByTestId('find-lr').click();
  await expect(page.getByTestId('lr-result')).toContainText('Suggested peak learning rate', {
    timeout: 170_000,
  });
  await expect(page.getByTestId('lr-from-note')).toContainText(
    'Training i3-test #1 · step 6 further on tuned.txt (Checkpoints pane) warms up',
  );
  await expect(page.getByTestId('lr-use')).toBeVisible();
  // The sweep belongs to the checkpoint: for the next run instead, it is stale.
  await from.selectOption({ label: 'the next run (new weights)' });
  await expect(page.getByTestId('lr-finder')).toContainText('changed since this sweep');
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const ck = page.getByTestId('checkpoint-row').first();
  const further = ck.getByTestId('resume-checkpoint');
  await expect(further).toHaveText('Train further');
  // New data: the run warms up afresh to the Model pane's peak (i3-test: 5 steps to 0.01).
  await expect(further).toHaveAttribute(
    'title',
    /on tuned\.txt, .*\(the dataset from its start\), on a schedule of its own from the Model pane: 5 warm-up steps to 0\.01/,
  );
  await further.click();
  await expect(page.getByTestId('checkpoints-notice')).toContainText(
    'i3-test #1 (continued) trains 20 more steps on tuned.txt',
  );
  await page.getByRole('tab', { name: 'Train' }).click();
  const continued = runs.filter({ hasText: '(continued)' });
  await expect(continued).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  await expect(continued.getByTestId('run-val-loss')).not.toHaveText('—');
  await expect(continued.getByTestId('run-setup')).toContainText('on tuned.txt');
  await expect(continued.getByTestId('run-setup')).toContainText('lr 0.01 from step 6');
  // A note on the run, which its bundles' model cards carry.
  await continued.getByTestId('run-note').click();
  await continued.getByTestId('run-note-input').fill('fine-tuned on tuned.txt');
  await continued.getByTestId('run-note-input').press('Enter');

  // Both checkpoints evaluated on the new files' validation split: the fine-tuned one has learnt
  // them, and the figures are stored with the checkpoints (they survive a reload).
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(page.getByRole('columnheader', { name: 'loss on tuned.txt' })).toBeVisible();
  const row = (step: number) => page.locator(`[data-testid="checkpoint-row"][data-step="${step}"]`);
  const lossOf = async (step: number) => {
    await row(step).getByTestId('evaluate-checkpoint').click();
    const loss = row(step).getByTestId('evaluation-loss');
    await expect(loss).toBeVisible({ timeout: 60_000 });
    return Number.parseFloat((await loss.textContent()) ?? '');
  };
  const before = await lossOf(6);
  const after = await lossOf(26);
  expect(after).toBeLessThan(before);
  // The fine-tuned model's bundle says so in its model card.
  const downloading = page.waitForEvent('download');
  await row(26).getByTestId('export-checkpoint').click();
  const files = unzipSync(await readFile(await (await downloading).path()));
  const card = strFromU8(files['README.md']);
  expect(card).toContain('Note from training: fine-tuned on tuned.txt');
  expect(card).toContain('## Evaluation');
  const carded = card.match(/\| tuned\.txt \| [\d,]+ \| ([\d.]+) \|/)?.[1];
  // The pane shows 3 decimals, the card 4.
  expect(Math.abs(Number(carded) - after)).toBeLessThanOrEqual(0.0005);
  await page.reload();
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(row(26).getByTestId('evaluation-loss')).toContainText(after.toFixed(3));

  // A mixture: a run on tuned.txt with base.txt (of its tokenizer) mixed into 30% of the rows.
  await page.getByRole('tab', { name: 'Train' }).click();
  await select.selectOption(
    (await select.locator('option', { hasText: 'tuned' }).getAttribute('value')) ?? '',
  );
  const mix = page.getByTestId('mix-in');
  await expect(mix).toContainText('base.txt');
  await mix.getByTestId('mix-in-pick').check();
  await mix.getByTestId('mix-in-share').fill('30');
  await expect(mix.getByTestId('mix-in-summary')).toHaveText(
    'tuned.txt gives 70% of the rows and the validation split.',
  );
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('total-steps').fill('6');
  await expect(page.getByTestId('planned-epochs')).toContainText(/of base\.txt mixed in/);
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();
  const mixed = runs.filter({ hasText: 'i3-test #3' });
  await expect(mixed).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  await expect(mixed.getByTestId('run-setup')).toContainText('on tuned.txt + base.txt 30%');
  // With several runs on the charts, the heatmap draws the newest, or the one picked.
  const heatmap = page.getByTestId('chart-part-norms');
  const heatmapRun = heatmap.getByTestId('part-norms-run');
  await expect(heatmapRun.locator('option:checked')).toHaveText('i3-test #3');
  await expect(heatmap).toHaveAttribute('data-columns', '6');
  await heatmapRun.selectOption({ label: 'i3-test #1 (continued)' });
  // Its history goes back through the checkpoint it started from: 6 steps, then its 20.
  await expect(heatmap).toHaveAttribute('data-columns', '26');
  // Its bundle's model card names the mixture.
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const mixedDownload = page.waitForEvent('download');
  await page
    .getByTestId('checkpoint-row')
    .filter({ hasText: 'i3-test #3' })
    .first()
    .getByTestId('export-checkpoint')
    .click();
  const mixedCard = strFromU8(
    unzipSync(await readFile(await (await mixedDownload).path()))['README.md'],
  );
  expect(mixedCard).toContain('| dataset | tuned.txt |');
  expect(mixedCard).toMatch(
    /\| mixed in \| base\.txt: 30% of the training rows \([\d,]+ training tokens\) \|/,
  );

  // Once the dataset whose tokenizer was chosen is deleted, the next import trains its own again,
  // and the first run's checkpoints, without their dataset, offer theirs.
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByText('Import options').click();
  await choice.selectOption({ label: `base.txt (${vocab} tokens)` });
  await dataset('base').getByRole('button', { name: 'Delete' }).click();
  // The mixture's run resumes only with it: the question says so.
  await expect(page.getByTestId('confirm-delete')).toContainText(
    '1 run mixed it into its training rows: it resumes only with it.',
  );
  await page.getByTestId('confirm-delete-yes').click();
  await expect(dataset('base')).toHaveCount(0);
  await expect(choice).toHaveValue('');
  await expect(page.getByTestId('import-tokenizer-note')).toHaveCount(0);
  await expect(page.getByLabel('Vocabulary size')).toBeVisible();
  await expect(choice.locator('option', { hasText: 'i3-test #1 · step 6' })).toHaveCount(1);
  // A dataset of one document, with that checkpoint's tokenizer, has no validation window to
  // evaluate it on: the button says so rather than start.
  await choice.selectOption({ label: 'i3-test #1 · step 6' });
  await dropFiles(page, 'dropzone', [{ name: 'single.txt', text: 'gfedcba '.repeat(20) }]);
  await expect(dataset('single')).toHaveAttribute('data-status', 'complete');
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const evaluate = row(6).filter({ hasText: 'i3-test #1' }).getByTestId('evaluate-checkpoint');
  await expect(evaluate).toBeDisabled();
  await expect(evaluate).toHaveAttribute(
    'title',
    '"single.txt" has no validation split of a whole window (17 tokens) to evaluate on: import more text, or hold out more of it (import options, validation).',
  );
  expect(errors).toEqual([]);
});
