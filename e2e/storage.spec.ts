import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { dropFiles } from './drop';
import { openStudio } from './studio';

// A storage that fills, for real: Chromium's quota for the studio's origin is set low (through
// the DevTools protocol, before the studio opens its databases) and IndexedDB refuses writes past
// it, as it does on a full disk. An import that does not fit is refused and leaves nothing; a run
// whose checkpoints do not fit trains on, then holds its weights, paused, asking for room. The
// same run shows the page's guards of work in flight: the screen kept on, a question before the
// page closes. Its metrics download as CSV. A full localStorage costs the settings' keeping only.

const QUOTA = 900_000; // bytes: the small corpus fits, a checkpoint of the widened model does not

const sentence = (i: number) =>
  `Note ${i}: the ${['red', 'green', 'blue'][i % 3]} kite flew over hill ${i % 17} at dawn.`;
const small = Array.from({ length: 400 }, (_, i) => sentence(i)).join('\n');
// About 2.5 MB of text: its shards alone are past the quota.
const large = Array.from({ length: 30_000 }, (_, i) => sentence(i * 7 + 1)).join('\n');

test('a full storage refuses an import with nothing left behind, and a run keeps its weights', async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(baseURL!).origin,
    quotaSize: QUOTA,
  });
  const errors = await openStudio(page);
  const storage = page.getByTestId('storage-status');
  await expect(storage).toContainText('stored');

  // The large file: refused when its shards meet the quota, and no dataset is left.
  await dropFiles(page, 'dropzone', [{ name: 'large.txt', text: large }]);
  await expect(page.getByTestId('import-messages')).toContainText('Browser storage is full', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('dataset')).toHaveCount(0);

  await dropFiles(page, 'dropzone', [{ name: 'small.txt', text: small }]);
  const dataset = page.getByTestId('dataset').filter({ hasText: 'small.txt' });
  await expect(dataset).toHaveAttribute('data-status', 'complete');
  // The meter follows what is stored: after the import it shows the browser's own figure.
  const estimated = () => page.evaluate(async () => (await navigator.storage.estimate()).usage);
  await expect
    .poll(async () => Number(await storage.getAttribute('data-usage')) === (await estimated()))
    .toBe(true);

  // Asking the browser to keep the data: the studio shows the browser's own answer.
  await page.getByTestId('persist-storage').click();
  const kept = await page.evaluate(() => navigator.storage.persisted());
  await expect(storage).toHaveAttribute('data-persisted', kept ? 'yes' : 'no');
  await expect(page.getByTestId('persist-declined')).toHaveCount(kept ? 0 : 1);

  // i3-test at width 128: its checkpoint (weights and both AdamW moments) is past the room left.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  await page.getByLabel('width D').fill('128');
  await page.getByLabel('batch (sequences)').fill('2');
  await page.getByTestId('total-steps').fill('12');
  await page.getByTestId('checkpoint-interval').fill('4');
  const params = Number((await page.getByTestId('param-count').textContent())!.replace(/,/g, ''));
  expect(12 * params).toBeGreaterThan(QUOTA);
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.getByTestId('start-run').click();

  // While it trains the screen is kept on.
  await expect(page.getByTestId('screen-awake')).toHaveAttribute('data-state', 'held');
  // The step-4 checkpoint is refused: the studio says so, and the run trains on. On SwiftShader
  // preparing the widened model (its pipelines compiled on the CPU) alone can take a minute.
  await expect(page.getByTestId('run-notice')).toContainText(
    'storage for this site is full, so the checkpoint was not saved',
    { timeout: 150_000 },
  );
  const row = page.getByTestId('run-row').first();
  // At its end the run holds its weights, paused, and says what to do.
  await expect(row).toHaveAttribute('data-state', 'paused', { timeout: 120_000 });
  await expect(row).toContainText('The last checkpoint could not be stored');
  await expect(row.locator('td').nth(3)).toHaveText('12');
  // Paused, nothing runs: the screen may sleep again.
  await expect(page.getByTestId('screen-awake')).toHaveCount(0);

  // Closing the page now would lose the weights: the browser asks first (dismissed: it stays).
  const asked = page.waitForEvent('dialog').then(async (d) => {
    const kind = d.type();
    await d.dismiss();
    return kind;
  });
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);

  // Stop tries to store it again (the notice comes back); storage is still full, so the run
  // holds on.
  const notice = page.getByTestId('run-notice');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
  await page.getByTestId('stop-run').click();
  await expect(notice).toContainText('the checkpoint was not saved');
  await expect(row).toHaveAttribute('data-state', 'paused');
  await expect(row).toContainText('The last checkpoint could not be stored');
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(0);

  // Every step's metrics, as CSV.
  await page.getByRole('tab', { name: 'Train' }).click();
  const downloading = page.waitForEvent('download');
  await row.getByTestId('run-metrics-csv').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('i3-test-1-metrics.csv');
  const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
  expect(lines[0]).toMatch(/^step,tokens,time,loss,perplexity,lr,grad_norm/);
  expect(lines.map((l) => l.split(',')[0]).slice(1)).toEqual(
    Array.from({ length: 12 }, (_, i) => String(i + 1)),
  );

  // localStorage full too (its own few megabytes): the settings still change, they are only not
  // kept for a reload.
  await page.evaluate(() => {
    // Filled to the last character: blocks, halved each time one no longer fits.
    for (let size = 256 * 1024, i = 0; size >= 1; i++) {
      try {
        localStorage.setItem(`f${i}`, 'x'.repeat(size));
      } catch {
        size >>= 1;
      }
    }
  });
  await page.getByRole('tab', { name: 'Chat' }).click();
  // A longer seed than the one kept: its write cannot fit.
  await page.getByTestId('chat-seed').fill('43210');
  await expect(page.getByTestId('chat-seed')).toHaveValue('43210');
  await page.getByTestId('theme-switch').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  // Past the stores' write delay (src/store/localStore.ts), a timer set after theirs: the writes
  // have been tried.
  await page.evaluate(() => new Promise((done) => setTimeout(done, 500)));
  expect(errors).toEqual([]);
});
