import { expect, test } from '@playwright/test';
import { savedChart } from './chartImage';
import { importBuiltInData, openStudio } from './studio';

// The learning-rate finder of the Model pane, on the built-in corpus in a real Chromium: the sweep
// trains in the GPU worker, its curve draws as it runs, and its suggestion becomes the schedule's
// peak rate with one click.
test('finds a learning rate for the next run and puts it in the schedule', async ({ page }) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  // Two sequences a step: the sweep's 100 steps take about a minute on SwiftShader.
  await page.getByLabel('batch (sequences)').fill('2');

  // A cancelled sweep keeps what it drew and suggests nothing.
  await page.getByTestId('find-lr').click();
  await expect(page.getByTestId('lr-progress')).toContainText(/Step \d+ of 100/);
  await page.getByTestId('lr-cancel').click();
  await expect(page.getByTestId('lr-result')).toContainText(/Cancelled after \d+ steps/);
  await expect(page.getByTestId('lr-suggestion')).toHaveCount(0);

  await page.getByTestId('find-lr').click();
  const result = page.getByTestId('lr-result');
  await expect(result).toBeVisible({ timeout: 170_000 });
  const chart = page.getByTestId('lr-sweep-chart');
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(20);
  // Saved as an image: the smoothed loss drawn in its colour (the accent) across the plot.
  const image = await savedChart(page, 'lr-sweep-chart', 'var(--accent)');
  expect(image.fileName).toBe('loss-by-learning-rate-the-sweep.png');
  expect(image.width).toBe(2 * image.chartWidth);
  expect(image.line).toBeGreaterThan(300);
  await expect(result).toContainText(/Suggested peak learning rate/);
  const suggested = (await page.getByTestId('lr-suggestion').textContent()) ?? '';
  await page.getByTestId('lr-use').click();
  await expect(page.getByLabel('peak learning rate')).toHaveValue(String(Number(suggested)));
  await expect(result).toContainText('(in use)');
  // A change to the batch makes the sweep stale.
  await page.getByLabel('batch (sequences)').fill('4');
  await expect(page.getByTestId('lr-finder')).toContainText('changed since this sweep');

  // A run started mid-sweep ends the sweep first: the two never share the GPU.
  await page.getByTestId('find-lr').click();
  await expect(page.getByTestId('lr-progress')).toContainText(/Step \d+ of 100/);
  await page.getByTestId('total-steps').fill('20');
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByTestId('lr-result')).toContainText(/Cancelled after \d+ steps/);

  // An evaluation asked for during a sweep waits its turn on the GPU; cancelled while it waits,
  // it never runs, and the sweep goes on.
  await page.getByTestId('find-lr').click();
  await expect(page.getByTestId('lr-progress')).toContainText(/Step \d+ of 100/);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const ck = page.getByTestId('checkpoint-row').first();
  await ck.getByTestId('evaluate-checkpoint').click();
  await expect(ck.getByTestId('evaluation-progress')).toContainText('Loading');
  await ck.getByTestId('evaluation-progress').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByTestId('lr-progress')).toBeVisible();
  await page.getByTestId('lr-cancel').click();
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(ck.getByTestId('evaluation-problem')).toHaveText('Cancelled.');
  await expect(ck.getByTestId('evaluation-loss')).toHaveCount(0);
  // Asked again with the GPU free, it runs (the built-in corpus's validation split takes a while
  // on SwiftShader), and a cancel ends it.
  await ck.getByTestId('evaluate-checkpoint').click();
  await expect(ck.getByTestId('evaluation-progress')).toContainText(/[\d,]+ of [\d,]+ batches/);
  await ck.getByTestId('evaluation-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(ck.getByTestId('evaluation-problem')).toHaveText('Cancelled.');
  await expect(ck.getByTestId('evaluate-checkpoint')).toBeEnabled();
  expect(errors).toEqual([]);
});
