import { test } from '@playwright/test';
import { importBuiltInData, openStudio, startTestRun, untilStep } from './studio';

// How much the page's own thread works while a run trains: the long tasks (over 50 ms, as the
// browser reports them) during 40 s of an i3-test run, with the Train pane's charts drawing each
// batch of steps. On a machine without a GPU the run competes with SwiftShader for the CPU, which is
// where the page's work shows most.

const WINDOW_MS = 40_000;

test('long tasks of the page while an i3-test run trains', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 1000 });
  await untilStep(page, 3);
  const progress = page.getByTestId('run-progress');
  const from = Number(await progress.getAttribute('data-step'));
  await page.evaluate(() => {
    (window as unknown as { longTasks: number[] }).longTasks = [];
  });
  await page.waitForTimeout(WINDOW_MS);
  const tasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  const steps = Number(await progress.getAttribute('data-step')) - from;
  const over = (ms: number) => tasks.filter((t) => t > ms).length;
  const sorted = [...tasks].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  console.log(
    `${WINDOW_MS / 1000} s of training, ${steps} steps: ${tasks.length} long tasks, ` +
      `${over(100)} over 100 ms, ${over(200)} over 200 ms; median ${median.toFixed(0)} ms, ` +
      `longest ${(sorted.at(-1) ?? 0).toFixed(0)} ms, ${(tasks.reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s in all`,
  );
});
