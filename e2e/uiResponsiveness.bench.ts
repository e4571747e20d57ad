import { test } from '@playwright/test';
import { startTaskTrace, stopTaskTrace } from './mainThreadTasks';
import { importBuiltInData, openStudio, startTestRun, untilStep } from './studio';

// How much the page's own thread works while a run trains: its long tasks (over 50 ms) during 40 s
// of an i3-test run, with the Train pane's charts drawing each batch of steps, in wall-clock time
// and in the thread's own CPU time (mainThreadTasks.ts). On a machine without a GPU the run competes
// with SwiftShader for the CPU, which is where the page's work shows most.

const WINDOW_MS = 40_000;

/** Count, over 100 and 200 ms, median, longest and sum of one measure of the tasks. */
function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const over = (limit: number) => ms.filter((t) => t > limit).length;
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  return (
    `${over(100)} over 100 ms, ${over(200)} over 200 ms; median ${median.toFixed(0)} ms, ` +
    `longest ${(sorted.at(-1) ?? 0).toFixed(0)} ms, ${(ms.reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s in all`
  );
}

test('long tasks of the page while an i3-test run trains', async ({ page, browser }) => {
  await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 1000 });
  await untilStep(page, 3);
  const progress = page.getByTestId('run-progress');
  const from = Number(await progress.getAttribute('data-step'));
  await startTaskTrace(browser, page);
  await page.waitForTimeout(WINDOW_MS);
  const tasks = await stopTaskTrace(browser);
  const steps = Number(await progress.getAttribute('data-step')) - from;
  console.log(`${WINDOW_MS / 1000} s of training, ${steps} steps: ${tasks.length} long tasks`);
  console.log(`  wall-clock: ${summary(tasks.map((t) => t.wallMs))}`);
  console.log(`  CPU:        ${summary(tasks.map((t) => t.cpuMs))}`);
});
