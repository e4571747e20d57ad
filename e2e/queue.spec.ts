import { expect, type Page, test } from '@playwright/test';
import { savedChart } from './chartImage';
import { importBuiltInData, openStudio, setUpTestRun } from './studio';

// The run queue: a sweep of the learning rate and two more runs of the setup, queued while the
// first trains, start one after another. A stop ends only its run; a reload holds the queue until
// the user starts it again; the sweep chart lines the sweep's validation losses up by rate.

const rowOf = (page: Page, name: string) =>
  page
    .getByTestId('run-row')
    .filter({ has: page.getByTestId('run-name').getByText(name, { exact: true }) });

test('a sweep and queued runs train one after another; a stop ends one run, a reload holds the queue', async ({
  page,
}) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await setUpTestRun(page, { totalSteps: 12 });

  // The values are checked as typed.
  await page.getByTestId('sweep-axis').selectOption('peakLr');
  await page.getByTestId('sweep-values').fill('3e-3, 2');
  await expect(page.getByTestId('sweep-problem')).toContainText(
    'lr 2: peak learning rate (2) must be between 0 and 1',
  );
  await expect(page.getByTestId('queue-sweep')).toBeDisabled();
  await page.getByTestId('sweep-values').fill('3e-3, 3e-2');
  await expect(page.getByTestId('queue-sweep')).toHaveText('Start a sweep of 2 runs');
  await page.getByTestId('queue-sweep').click();

  // The first value trains now; the second waits. Two runs of the setup queue behind it.
  await expect(page.getByTestId('run-progress')).toBeVisible();
  const queued = page.getByTestId('queued-run');
  await expect(queued).toHaveCount(1);
  await expect(queued.first()).toContainText('i3-test #1 · lr 0.03');
  await page.getByTestId('queue-run').click();
  await page.getByTestId('queue-run').click();
  await expect(queued).toHaveText([/i3-test #1 · lr 0\.03/, /i3-test #3/, /i3-test #4/]);
  // The order is the user's: #4 moved up before #3, and back.
  await queued.nth(2).getByTestId('queued-run-up').click();
  await expect(queued).toHaveText([/i3-test #1 · lr 0\.03/, /i3-test #4/, /i3-test #3/]);
  await queued.nth(2).getByTestId('queued-run-up').click();
  await expect(queued).toHaveText([/i3-test #1 · lr 0\.03/, /i3-test #3/, /i3-test #4/]);

  // A stop ends that run, and the queue goes on: the second value trains to its end, then #3.
  const progress = page.getByTestId('run-progress');
  await expect
    .poll(async () => Number(await progress.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(2);
  // Each queued run has this run's shape: timed by its steps, and the whole queue with them.
  await expect(queued.first()).toContainText(/\(about \d+ (s|min)/);
  await expect(page.getByTestId('queue-done-in')).toContainText(/All done in about \d/);
  await page.getByTestId('stop-run').click();
  await expect(rowOf(page, 'i3-test #1 · lr 0.003')).toHaveAttribute('data-state', 'stopped', {
    timeout: 60_000,
  });
  await expect(rowOf(page, 'i3-test #1 · lr 0.03')).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await expect(rowOf(page, 'i3-test #3')).toHaveAttribute('data-state', 'running', {
    timeout: 60_000,
  });
  await expect(queued).toHaveText([/i3-test #4/]);

  // Both values were evaluated (at the stop, and at the end): the chart has them, the lowest named.
  const losses = await Promise.all(
    ['i3-test #1 · lr 0.003', 'i3-test #1 · lr 0.03'].map(async (name) =>
      Number(await rowOf(page, name).getByTestId('run-val-loss').textContent()),
    ),
  );
  const [lowest, rate] = losses[0] < losses[1] ? [losses[0], '0.003'] : [losses[1], '0.03'];
  await expect(page.getByTestId('sweep-chart')).toHaveAttribute('data-points', '2');
  // Saved as an image, its line drawn in the accent colour.
  const image = await savedChart(page, 'sweep-chart', 'var(--accent)');
  expect(image.fileName).toBe('lowest-validation-loss-by-peak-learning-rate.png');
  expect(image.line).toBeGreaterThan(100);
  // Under the charts, what sets the charted runs apart: the rate (#3 runs the setup's 0.01).
  await expect(page.getByTestId('run-differences').locator('tbody tr')).toHaveText([
    /^peak learning rate0\.0030\.030\.01$/,
  ]);
  await expect(page.getByTestId('sweep-summary')).toContainText(
    `Lowest: lr ${rate} (${lowest.toFixed(3)}, i3-test #1 · lr ${rate}).`,
  );
  await expect(page.getByTestId('sweep-take')).toHaveText(`Use lr ${rate} next`);

  // A reload cuts #3 off; the queue then waits for the user, and starts #4 when asked.
  await expect
    .poll(async () => Number(await progress.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(1);
  page.once('dialog', (d) => void d.accept());
  await page.reload();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(rowOf(page, 'i3-test #3')).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('queued-runs')).toContainText('the page was reloaded');
  await expect(queued).toHaveText([/i3-test #4/]);
  await page.getByTestId('queue-start-next').click();
  await expect(rowOf(page, 'i3-test #4')).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('queued-runs')).toHaveCount(0);
  // The run list by validation loss, lowest first (runs never evaluated last), then highest
  // first, which a reload keeps; a third press orders it as the runs were made again.
  const names = () => page.getByTestId('run-name').allTextContents();
  const listedLosses = async () => {
    const cells = await page.getByTestId('run-val-loss').allTextContents();
    const evaluated = cells.filter((c) => c !== '—').map(Number);
    expect(cells.slice(evaluated.length).every((c) => c === '—')).toBe(true);
    return evaluated;
  };
  const made = await names();
  await page.getByTestId('sort-valLoss').click();
  await expect(page.locator('th[aria-sort="ascending"]')).toHaveText('validation loss ▲');
  const lowFirst = await listedLosses();
  expect(lowFirst.length).toBeGreaterThanOrEqual(2);
  expect(lowFirst).toEqual([...lowFirst].sort((a, b) => a - b));
  await page.getByTestId('sort-valLoss').click();
  await page.reload();
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.locator('th[aria-sort="descending"]')).toHaveText('validation loss ▼');
  expect(await listedLosses()).toEqual([...lowFirst].reverse());
  await page.getByTestId('sort-valLoss').click();
  await expect(page.locator('th[aria-sort]')).toHaveCount(0);
  expect(await names()).toEqual(made);
  // The sweep's best rate goes into the Model pane for the next run.
  await page.getByTestId('sweep-take').click();
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByLabel('peak learning rate')).toHaveValue(String(Number(rate)));
  expect(errors).toEqual([]);
});
