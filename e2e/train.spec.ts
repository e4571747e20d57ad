import { expect, test } from '@playwright/test';

test('trains i3-test on the built-in corpus in a worker: loss falls, pause and resume, checkpoint', async ({
  page,
}) => {
  const longTasks: number[] = [];
  await page.exposeFunction('reportLongTask', (ms: number) => longTasks.push(ms));
  await page.addInitScript(() => {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        (window as unknown as { reportLongTask(ms: number): void }).reportLongTask(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('import-default').click();
  await expect(page.getByTestId('dataset').first()).toHaveAttribute('data-status', 'complete', {
    timeout: 120_000,
  });

  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await expect(page.getByTestId('param-count')).not.toBeEmpty();
  await page.getByTestId('total-steps').fill('30');
  await page.getByTestId('checkpoint-interval').fill('10');

  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();
  const progress = page.getByTestId('run-progress');
  await expect(progress).toHaveAttribute('data-state', 'running');
  // From here on the worker trains; the page must stay responsive.
  await page.waitForTimeout(500);
  longTasks.length = 0;
  await expect
    .poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points')), {
      timeout: 120_000,
    })
    .toBeGreaterThan(8);

  await page.getByTestId('pause-run').click();
  await expect(progress).toHaveAttribute('data-state', 'paused');
  const pausedAt = Number(await progress.getAttribute('data-step'));
  await page.waitForTimeout(1500);
  expect(Number(await progress.getAttribute('data-step'))).toBe(pausedAt);
  await page.getByTestId('resume-run').click();
  await expect(progress).toHaveAttribute('data-state', 'running');

  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 180_000 });

  // The loss fell: read the run's history from IndexedDB, as the studio stored it.
  const losses = await page.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const req = indexedDB.open('i3-studio');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const get = req.result.transaction('runs').objectStore('runs').getAll();
          get.onsuccess = () =>
            resolve(get.result[0].metrics.steps.map((m: { loss: number }) => m.loss));
        };
      }),
  );
  expect(losses).toHaveLength(30);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
  expect(errors).toEqual([]);
  // The UI thread only rendered: no long task over 200 ms while training.
  expect(
    longTasks.filter((ms) => ms > 200),
    `long tasks: ${longTasks.join(', ')}`,
  ).toEqual([]);
});
