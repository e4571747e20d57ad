import { expect, test } from '@playwright/test';
import {
  importBuiltInData,
  openStudio,
  startTestRun,
  stopAfterStep,
  wsdRunPastWarmUp,
} from './studio';

// Pause and Stop say what they wait for, and a Stop pressed while the run is still being prepared
// (before its first step) is kept: the run ends there, with nothing saved. A run stopped later
// resumes from the checkpoint its stop saved.

test('a stop pressed while the run is prepared ends it before its first step', async ({ page }) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 200 });
  const progress = page.getByTestId('run-progress');
  await expect(progress).toContainText('Preparing the model on the GPU');
  await page.getByTestId('stop-run').click();
  await expect(progress).toContainText('Stopping after the step in progress');
  await expect(page.getByTestId('stop-run')).toBeDisabled();

  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  await expect(row.locator('td').nth(3)).toHaveText('0');
  // An ended run without points has no legend entries on the charts.
  await expect(page.getByTestId('chart-loss')).not.toContainText('i3-test #1');
  // A fresh run stopped before its first step keeps no checkpoint (its seed gives the weights).
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a stopped run resumes from its last checkpoint, from its row in the Train pane, and is deleted', async ({
  page,
}) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 12 });
  const row = await stopAfterStep(page, 2);
  // The row says what sets the run apart from others on the charts.
  await expect(row.getByTestId('run-setup')).toHaveText(
    '75.1k params · lr 0.01 · batch 8 × 16 · on nlp-corpus (built-in)',
  );
  const stoppedAt = await row.locator('td').nth(3).textContent();
  const resume = row.getByTestId('resume-from-checkpoint');
  await expect(resume).toHaveText(`Resume from step ${stoppedAt}`);
  await expect(row.getByTestId('train-further')).toHaveCount(0);

  // The same run continues from that step to the end of its schedule.
  await resume.click();
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 60_000 });
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(row.locator('td').nth(3)).toHaveText('12');
  await expect(row.getByTestId('train-further')).toBeVisible();

  // Deleting the run asks first, then removes it with its checkpoints, for good (a reload).
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const saved = await page.getByTestId('checkpoint-row').count();
  expect(saved).toBeGreaterThanOrEqual(2);
  await page.getByRole('tab', { name: 'Train' }).click();
  await row.getByTestId('delete-run').click();
  const dialog = page.getByTestId('confirm-delete');
  await expect(dialog).toContainText(`${saved} checkpoint(s) are removed`);
  await page.getByTestId('confirm-delete-yes').click();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(page.getByText('No checkpoints yet')).toBeVisible();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a run trains in one tab at a time: another tab sees it live there and then ended', async ({
  page,
  context,
}) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 400, checkpointInterval: 2 });
  const row = await stopAfterStep(page, 3);

  // A second tab of the studio, on the same storage, opens while the run is stopped.
  const other = await context.newPage();
  const otherErrors = await openStudio(other);
  await other.getByRole('tab', { name: 'Train' }).click();
  const otherRow = other.getByTestId('run-row').first();
  await expect(otherRow).toHaveAttribute('data-state', 'stopped');

  // The first tab resumes it; the second, whose list predates that, tries to resume it too: its
  // worker finds the run's lock held, and the tab says where the run trains.
  await row.getByTestId('resume-from-checkpoint').click();
  await expect(row).toHaveAttribute('data-state', 'running');
  await otherRow.getByTestId('resume-from-checkpoint').click();
  await expect(other.getByTestId('run-notice')).toContainText(
    'This run is training in another tab of the studio',
  );
  await expect(otherRow).toHaveAttribute('data-elsewhere', 'true');
  await expect(otherRow).toContainText('in another tab');
  await expect(otherRow.getByTestId('resume-from-checkpoint')).toHaveCount(0);
  await expect(otherRow.getByTestId('delete-run')).toHaveCount(0);
  await expect(other.getByTestId('start-run')).toBeVisible();

  // The dataset it trains on cannot be deleted under it.
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('delete-dataset')).toBeDisabled();
  await expect(page.getByTestId('delete-dataset')).toHaveAttribute(
    'title',
    'A run is training on it: stop it first.',
  );

  // Stopped in the first tab, the run is free again in the second, as stored there.
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('stop-run').click();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  await expect(otherRow).not.toHaveAttribute('data-elsewhere', 'true');
  await expect(otherRow).toHaveAttribute('data-state', 'stopped');
  await expect(otherRow).not.toContainText('Interrupted when the page closed');
  await expect(otherRow.getByTestId('resume-from-checkpoint')).toHaveText(
    (await row.getByTestId('resume-from-checkpoint').textContent())!,
  );
  expect(errors).toEqual([]);
  expect(otherErrors).toEqual([]);
});

test('a run ends early once its validation loss stops improving, a notification says so, and its setup is taken back', async ({
  page,
}) => {
  // The system notifications the page shows, recorded as they are made.
  await page.context().grantPermissions(['notifications']);
  await page.addInitScript(() => {
    const shown: { title: string; body?: string }[] = [];
    Object.assign(window, { shownNotifications: shown });
    window.Notification = class extends Notification {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body });
      }
    };
  });
  const errors = await openStudio(page);
  await importBuiltInData(page);
  // A learning rate too small to move the loss: no evaluation improves on the first, at step 2.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByLabel('peak learning rate').fill('1e-9');
  await page.getByLabel('eval every (steps)').fill('2');
  await page.getByTestId('early-stop').fill('2');
  await expect(page.getByText('The run ends early once 2 evaluations in a row')).toBeVisible();
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('notify-run-end').click();
  await expect(page.getByTestId('notify-run-end')).toBeChecked();
  await startTestRun(page, { totalSteps: 40 });
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  await expect(row).toContainText(
    'Stopped early at step 6: the validation loss has not improved for 2 evaluations',
  );
  await expect(row.locator('td').nth(3)).toHaveText('6');
  const shown = () =>
    page.evaluate(() => (window as unknown as { shownNotifications: object[] }).shownNotifications);
  await expect.poll(shown).toHaveLength(1);
  const [note] = (await shown()) as { title: string; body: string }[];
  expect(note.title).toBe('i3-test #1 finished');
  expect(note.body).toMatch(
    /^step 6 of 40 · loss \d+\.\d{3} · validation loss \d+\.\d{3} \(step 6\)\n/,
  );
  expect(note.body).toContain('Stopped early at step 6');

  // The run's setup, taken back into the Model pane after another preset replaced it.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-tiny').check();
  await expect(page.getByLabel('peak learning rate')).not.toHaveValue('1e-9');
  await page.getByRole('tab', { name: 'Train' }).click();
  await row.getByTestId('use-run-setup').click();
  await expect(page.getByRole('tab', { name: 'Model' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('preset-i3-test')).toBeChecked();
  await expect(page.getByLabel('peak learning rate')).toHaveValue('1e-9');
  await expect(page.getByLabel('eval every (steps)')).toHaveValue('2');
  await expect(page.getByTestId('early-stop')).toHaveValue('2');
  await expect(page.getByTestId('total-steps')).toHaveValue('40');
  expect(errors).toEqual([]);
});

test('a warm-up-stable-decay run trains longer and cools down when asked, and finishes where its cool-down ends', async ({
  page,
}) => {
  // Offered only once the warm-up (5 steps) is over.
  const { errors, progress } = await wsdRunPastWarmUp(page);
  // A note on the live run, kept by the worker that writes its record.
  const row = page.getByTestId('run-row').first();
  await row.getByTestId('run-note').click();
  await row.getByTestId('run-note-input').fill('wsd, to be cut short');
  await row.getByTestId('run-note-input').press('Enter');
  await expect(row.getByTestId('run-note')).toHaveText('wsd, to be cut short');
  // Renamed as it trains: the worker's later writes keep the name, and so do its checkpoints.
  await row.getByTestId('run-name').click();
  await row.getByTestId('run-name-input').fill('wsd, short');
  await row.getByTestId('run-name-input').press('Enter');
  await expect(row.getByTestId('run-name')).toHaveText('wsd, short');
  // Longer first: 395 steps after the warm-up become 593, and the rate holds.
  await page.getByTestId('train-longer').click();
  await expect(progress).toContainText(/step \d+ \/ 598 /);
  await page.getByTestId('cool-down').click();
  await expect(page.getByTestId('cool-down')).toHaveCount(0);
  await expect(page.getByTestId('train-longer')).toHaveCount(0);
  // The run ends well short of its 400 steps: its cool-down took a fifth of the new total.
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  const last = Number(await row.locator('td').nth(3).textContent());
  expect(last).toBeGreaterThan(8);
  expect(last).toBeLessThan(40);
  // Its note outlived the run's last writes; edited now, with no run training, and Escape cancels.
  await expect(row.getByTestId('run-note')).toHaveText('wsd, to be cut short');
  await row.getByTestId('run-note').click();
  await row.getByTestId('run-note-input').fill(`wsd, cut short at step ${last}`);
  await row.getByTestId('run-note-input').blur();
  await row.getByTestId('run-note').click();
  await row.getByTestId('run-note-input').fill('thrown away');
  await row.getByTestId('run-note-input').press('Escape');
  await expect(row.getByTestId('run-note')).toHaveText(`wsd, cut short at step ${last}`);
  // A name cannot be emptied.
  await row.getByTestId('run-name').click();
  await row.getByTestId('run-name-input').fill(' ');
  await row.getByTestId('run-name-input').press('Enter');
  await expect(row.getByTestId('run-name')).toHaveText('wsd, short');
  // The run keeps the schedule it ended on: a reload reads it back, and its rate chart ends low.
  await page.reload();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(row).toHaveAttribute('data-state', 'finished');
  await expect(row.getByTestId('run-note')).toHaveText(`wsd, cut short at step ${last}`);
  await expect(row.getByTestId('train-further')).toBeVisible();
  await expect(page.getByTestId('chart-lr')).toHaveAttribute('data-points', String(last));
  await expect(row.getByTestId('run-name')).toHaveText('wsd, short');
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const checkpoints = page.getByTestId('checkpoint-row');
  await expect(checkpoints.first()).toContainText('wsd, short');
  await expect(checkpoints.filter({ hasNotText: 'wsd, short' })).toHaveCount(0);
  // A name of one long word wraps in its cells and the charts' legends: no pane grows wider than
  // the window.
  const long = 'x'.repeat(120);
  await page.getByRole('tab', { name: 'Train' }).click();
  await row.getByTestId('run-name').click();
  await row.getByTestId('run-name-input').fill(long);
  await row.getByTestId('run-name-input').press('Enter');
  await expect(page.getByTestId('chart-loss')).toContainText(long);
  const overflow = () =>
    page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
  expect(await overflow()).toBe(0);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(checkpoints.first()).toContainText(long);
  expect(await overflow()).toBe(0);
  expect(errors).toEqual([]);
});

test('a warm-up-stable-decay run told to finish in a few seconds cools down over them and ends there', async ({
  page,
}) => {
  const { errors, progress } = await wsdRunPastWarmUp(page);
  // Three seconds at the run's recent step time: a few steps.
  await page.getByTestId('finish-in-minutes').fill('0.05');
  const finish = page.getByTestId('finish-in');
  expect(Number(await finish.getAttribute('data-steps'))).toBeGreaterThanOrEqual(1);
  await expect(finish).toHaveAttribute(
    'title',
    /^End the run in about 0\.05 minutes at its recent/,
  );
  await finish.click();
  // The schedule ends a few steps on (from the step the worker had reached), and the run there.
  await expect(progress).not.toContainText('/ 400 ');
  const total = Number((await progress.textContent())?.match(/step \d+ \/ (\d+) /)?.[1]);
  expect(total).toBeLessThan(60);
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  expect(Number(await row.locator('td').nth(3).textContent())).toBe(total);
  // Its rate ends at the floor: 10% of i3-test's peak of 0.01.
  await expect(page.getByTestId('chart-lr')).toHaveAttribute('data-points', String(total));
  expect(errors).toEqual([]);
});
