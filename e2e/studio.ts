import { expect, type Locator, type Page } from '@playwright/test';

// The steps most specs start with: the studio opened with its GPU ready, the built-in corpus, a
// short i3-test run.

/**
 * Opens the studio and waits until its worker has the GPU. Returns the page's uncaught errors,
 * collected from here on (a spec ends by expecting none).
 */
export async function openStudio(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  return errors;
}

/** Imports the built-in corpus from the Data pane and waits until it is stored. */
export async function importBuiltInData(page: Page): Promise<void> {
  await page.getByTestId('import-default').click();
  await expect(page.getByTestId('dataset').first()).toHaveAttribute('data-status', 'complete', {
    timeout: 120_000,
  });
}

/**
 * Sets the Model pane up for an i3-test run of `totalSteps` steps (checkpoints every
 * `checkpointInterval` steps and the decay after the warm-up, where given, else the preset's),
 * then opens the Train pane.
 */
export async function setUpTestRun(
  page: Page,
  {
    totalSteps,
    checkpointInterval,
    decay,
  }: { totalSteps: number; checkpointInterval?: number; decay?: string },
): Promise<void> {
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByTestId('total-steps').fill(String(totalSteps));
  if (checkpointInterval !== undefined) {
    await page.getByTestId('checkpoint-interval').fill(String(checkpointInterval));
  }
  if (decay !== undefined) await page.getByTestId('lr-decay').selectOption(decay);
  await page.getByRole('tab', { name: 'Train' }).click();
}

/** Starts an i3-test run set up as setUpTestRun does, leaving the Train pane open. */
export async function startTestRun(
  page: Page,
  setup: { totalSteps: number; checkpointInterval?: number; decay?: string },
): Promise<void> {
  await setUpTestRun(page, setup);
  await page.getByTestId('start-run').click();
}

/** Waits until the live run has trained `steps` steps; returns its progress line. */
export async function untilStep(page: Page, steps: number): Promise<Locator> {
  const progress = page.getByTestId('run-progress');
  await expect
    .poll(async () => Number(await progress.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(steps);
  return progress;
}

/**
 * Opens the studio and starts a warm-up-stable-decay i3-test run of 400 steps on the built-in
 * corpus, then waits until its warm-up (5 steps) is over, where its schedule can change. Returns
 * the page's errors (openStudio) and the run's progress line.
 */
export async function wsdRunPastWarmUp(
  page: Page,
): Promise<{ errors: string[]; progress: Locator }> {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 400, decay: 'wsd' });
  return { errors, progress: await untilStep(page, 8) };
}

/** Stops the live run once it has trained `steps` steps; returns its row, once it is stopped. */
export async function stopAfterStep(page: Page, steps: number): Promise<Locator> {
  await untilStep(page, steps);
  await page.getByTestId('stop-run').click();
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  return row;
}
