import { chromium, expect, test } from '@playwright/test';
import { chromiumArgs } from './playwright.config';
import { importBuiltInData, openStudio, startTestRun } from './studio';

test('the studio loads, a worker acquires the GPU, the matmul self-test passes, tabs take keys, blocked notifications say so, an empty Chat pane points to checkpoints', async ({
  page,
}) => {
  await page.goto('/');
  const status = page.getByTestId('gpu-status');
  await expect(status).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('gpu-adapter')).not.toBeEmpty();
  await expect(page.getByTestId('gpu-selftest')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('gpu-selftest')).toContainText('passed');

  // The pane tabs follow the ARIA tabs pattern: one tab stop, arrow keys, Home and End.
  const tab = (name: string) => page.getByRole('tab', { name });
  await tab('Data').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Model')).toHaveAttribute('aria-selected', 'true');
  await expect(tab('Model')).toBeFocused();
  await page.keyboard.press('End');
  await expect(tab('Chat')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(tab('Data')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(tab('Chat')).toBeFocused();
  await expect(tab('Data')).toHaveAttribute('tabindex', '-1');

  // A batch whose buffers this GPU cannot make is named before any run starts.
  await tab('Model').click();
  await page.getByTestId('preset-i3-test').check();
  await expect(page.getByTestId('buffer-too-large')).toHaveCount(0);
  // i3-test's residual stream at 2,000,000 sequences of 16: 9,766 MiB in one buffer.
  await page.getByLabel('batch (sequences)').fill('2000000');
  await expect(page.getByTestId('buffer-too-large')).toContainText(
    'At batch 2000000 × 16 this model needs a 9,766 MiB buffer (residual), and this GPU makes',
  );
  // The speed measurement waits for a setup that can start, as the Train pane's start does.
  await expect(page.getByTestId('measure-speed')).toBeDisabled();
  await expect(page.getByTestId('measure-speed')).toHaveAttribute(
    'title',
    'The model does not fit this GPU at this batch (Model pane).',
  );
  await page.getByLabel('batch (sequences)').fill('8');
  await expect(page.getByTestId('buffer-too-large')).toHaveCount(0);
  await expect(page.getByTestId('measure-speed')).toBeEnabled();

  // Notifications of a run's end, where the browser does not allow them: the switch stays off
  // and says what to do.
  await page.context().clearPermissions();
  await tab('Train').click();
  await page.getByTestId('notify-run-end').click();
  await expect(page.getByTestId('notify-problem')).toContainText(
    'The browser blocks notifications from this page',
  );
  await expect(page.getByTestId('notify-run-end')).not.toBeChecked();

  // With no checkpoints yet, the Chat pane sends the user where one comes from.
  await tab('Chat').click();
  await page
    .getByTestId('chat-no-checkpoints')
    .getByRole('button', { name: 'import a model' })
    .click();
  await expect(tab('Checkpoints')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('bundle-url')).toBeVisible();
});

test('a time budget: the steps that fit it, set with a click, and the model that is compute-optimal for it', async ({
  page,
}) => {
  // Two speed measurements on SwiftShader: 1-2 minutes here. (Two CI runs ran out of time at the
  // last step: a click on the fit button that the fit had already disabled, mended below.)
  test.setTimeout(300_000);
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByTestId('measure-speed').click();
  await expect(page.getByTestId('speed-result')).toContainText('steps take about', {
    timeout: 120_000,
  });
  // 12 seconds of this GPU's measured steps, with the evaluations they bring.
  await page.getByTestId('budget-minutes').fill('0.2');
  const fits = page.getByTestId('budget-steps');
  await expect(fits).toContainText(/^0\.2 minutes here fit about [\d,]+ steps \(/);
  const steps = Number(await fits.getAttribute('data-steps'));
  expect(steps).toBeGreaterThanOrEqual(2);
  // A fit of exactly the preset's steps (60) leaves the button disabled, saying so, from the start.
  const fit = page.getByTestId('fit-steps');
  if (await fit.isEnabled()) await fit.click();
  await expect(page.getByTestId('total-steps')).toHaveValue(String(steps));
  await expect(fit).toBeDisabled();
  await expect(fit).toHaveText('The run has these steps');
  // The run's duration, from the same figures, is within the budget.
  await expect(page.getByTestId('speed-result')).toContainText(
    `${steps.toLocaleString('en-US')} steps take about`,
  );
  await page.getByTestId('budget-minutes').fill('0.00001');
  await expect(fits).toContainText('Not even two steps of this setup fit');
  // i3-test is not of the family's shape: a family model is the compute-optimal one, taken with
  // a click, which measures its own speed.
  // A budget whose optimal model would repeat the data many times says so.
  await page.getByTestId('budget-minutes').fill('100000');
  await expect(page.getByTestId('budget-epochs')).toContainText(
    /^That is [\d.,]+ epochs of nlp-corpus \(built-in\): past about 4 epochs repeated tokens/,
  );
  await page.getByTestId('budget-minutes').fill('10');
  const optimal = page.getByTestId('budget-optimal');
  await expect(optimal).toContainText('Compute-optimal for 10 minutes here');
  const [, width, blocks, params] =
    (await optimal.textContent())?.match(/width (\d+), (\d+) blocks?, ([\d,]+) parameters/) ?? [];
  await page.getByTestId('use-optimal-model').click();
  await expect(page.getByLabel('width D')).toHaveValue(width);
  await expect(page.getByLabel('blocks L')).toHaveValue(blocks);
  await expect(page.getByTestId('param-count')).toHaveText(params);
  // The result shown is the new model's (a figure shows only for the setup it was measured
  // with), and the steps fit by it.
  await expect(page.getByTestId('speed-result')).toContainText('steps take about', {
    timeout: 120_000,
  });
  // The budget stays as typed while the new model is measured.
  await expect(page.getByTestId('budget-minutes')).toHaveValue('10');
  await page.getByTestId('budget-minutes').fill('0.2');
  await expect(fits).toContainText('0.2 minutes here fit about');
  const refit = Number(await fits.getAttribute('data-steps'));
  // The new model's fit can be the steps the run already has (a CI run found 11 for both): the
  // button is then disabled and says so.
  if (await fit.isEnabled()) await fit.click();
  await expect(fit).toHaveText('The run has these steps');
  await expect(page.getByTestId('total-steps')).toHaveValue(String(refit));
  expect(errors).toEqual([]);
});

test('without WebGPU the studio says so and what to do', async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-webgpu'],
  });
  const page = await browser.newPage();
  await page.goto('http://127.0.0.1:4173/');
  await expect(page.getByTestId('no-webgpu')).toBeVisible();
  await expect(page.getByTestId('no-webgpu')).toContainText('Chrome or Edge');
  await browser.close();
});

test('a GPU lost during a run: the run ends with what to do, its checkpoints stay, it resumes after a reload', async () => {
  // A browser of its own: its GPU process is crashed (DevTools protocol), as a driver reset does,
  // and every WebGPU device of the browser is lost.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  const page = await (await browser.newContext({ baseURL: 'http://127.0.0.1:4173' })).newPage();
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 400, checkpointInterval: 2 });
  const progress = page.getByTestId('run-progress');
  await expect
    .poll(async () => Number(await progress.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(5);
  await (await browser.newBrowserCDPSession()).send('Browser.crashGpuProcess');

  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'lost');
  await expect(page.getByRole('alert').first()).toContainText(
    'Reload the page to get a new device; saved checkpoints are kept.',
  );
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText('The GPU device was lost during training');

  // After a reload (the banner's button) the GPU is back and the run resumes from its last
  // checkpoint.
  await page.getByTestId('reload-page').click();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await page.getByRole('tab', { name: 'Train' }).click();
  // The run is stored as it ended, not as one cut off with its page.
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText('The GPU device was lost during training');
  const resume = row.getByTestId('resume-from-checkpoint');
  await expect(resume).toHaveText(/^Resume from step \d+$/);
  // A checkpoint every 2 steps, and the GPU lost after step 5: at least step 4's was stored.
  const from = Number((await resume.textContent())!.replace(/\D/g, ''));
  expect(from).toBeGreaterThanOrEqual(4);
  await resume.click();
  await expect
    .poll(async () => Number(await progress.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThan(from);
  expect(errors).toEqual([]);
  await browser.close();
});
