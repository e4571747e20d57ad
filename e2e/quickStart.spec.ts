import { expect, test } from '@playwright/test';
import { importBuiltInData, openStudio } from './studio';

// Someone new trains in one click: the quick start imports the built-in corpus, takes the preset
// this adapter can train (SwiftShader here: a software renderer, so i3-test, and the studio says
// why it is slow) and starts the run in the Train pane.

test('the quick start imports the corpus and trains a first model, on a software renderer the small one', async ({
  page,
}) => {
  const errors = await openStudio(page);
  const notice = page.getByTestId('gpu-software');
  await expect(notice).toContainText('software renderer');
  await expect(notice).toContainText('swiftshader');

  const quick = page.getByTestId('quick-start');
  // The count is the run's: the corpus's vocabulary in the embedding.
  await expect(quick).toContainText('i3-test (75.1k parameters)');
  await expect(quick).toContainText('imported first');
  await page.getByTestId('quick-start-go').click();
  await expect(page.getByTestId('quick-start-go')).toBeDisabled();

  // The corpus comes first; then the Train pane opens with the run on it.
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true', {
    timeout: 120_000,
  });
  const row = page.getByTestId('run-row').first();
  await expect(row.getByTestId('run-name')).toHaveText('i3-test #1');
  await expect(row.getByTestId('run-setup')).toContainText('on nlp-corpus (built-in)');
  await expect
    .poll(async () => Number(await page.getByTestId('run-progress').getAttribute('data-step')), {
      timeout: 90_000,
    })
    .toBeGreaterThanOrEqual(2);
  await page.getByTestId('stop-run').click();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });

  // Its row leads to a chat with the checkpoint its stop saved.
  const step = await row.locator('td').nth(3).textContent();
  await row.getByTestId('run-chat').click();
  await expect(page.getByRole('tab', { name: 'Chat' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('chat-checkpoint').locator('option:checked')).toContainText(
    `i3-test #1 · step ${step}`,
  );

  // With a run made, the Data pane no longer offers it; the notice can be put away.
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('dataset')).toHaveCount(1);
  await expect(quick).toHaveCount(0);
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('with the corpus already stored, the quick start trains on it, under any name', async ({
  page,
}) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  // Renamed in place: the quick start still knows it (by its file), and a reload keeps the name.
  await page.getByTestId('dataset-name').click();
  await page.getByTestId('dataset-name-input').fill('my corpus');
  await page.getByTestId('dataset-name-input').press('Enter');
  await expect(page.getByTestId('dataset-name')).toHaveText('my corpus');
  const quick = page.getByTestId('quick-start');
  await expect(quick).not.toContainText('imported first');
  // Another preset chosen by hand gives way to the quick start's.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-22m').check();
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByTestId('quick-start-go').click();

  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  const row = page.getByTestId('run-row').first();
  await expect(row.getByTestId('run-setup')).toContainText('75.1k params');
  await expect(row.getByTestId('run-setup')).toContainText('on my corpus');
  await page.getByTestId('stop-run').click();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  await page.reload();
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('dataset')).toHaveCount(1);
  await expect(page.getByTestId('dataset-name')).toHaveText('my corpus');
  expect(errors).toEqual([]);
});
