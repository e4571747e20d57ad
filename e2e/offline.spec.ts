import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import { importBuiltInData, openStudio, startTestRun, stopAfterStep } from './studio';

const PORT = 4179;
const DIST = join(import.meta.dirname, '..', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.gz': 'application/gzip',
};

/**
 * The built studio (dist/) on a server of its own, which the test can take away (no network) and
 * bring back with a new release: the service worker's script changed by `release`, as a deploy
 * changes it.
 */
async function studioServer() {
  let release = '';
  const server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
    try {
      let body: Buffer | string = await readFile(join(DIST, path === '/' ? 'index.html' : path));
      if (path === '/sw.js') body = `${body}\n// ${release}\n`;
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  const listen = () => new Promise<void>((done) => server.listen(PORT, '127.0.0.1', done));
  await listen();
  return {
    /** Takes the server away: the studio's origin unreachable, as without a network. */
    down: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
    /** Brings it back serving `next` as the release. */
    up: (next: string) => {
      release = next;
      return listen();
    },
  };
}

// The other e2e tests block service workers (playwright.config.ts); here the studio's own runs.
test.use({ baseURL: `http://127.0.0.1:${PORT}`, serviceWorkers: 'allow' });

test('kept in the browser, the studio opens and trains without its server; a new release is taken in one click, and a tab that trains reloads only when its run ends', async ({
  page,
  context,
}) => {
  const server = await studioServer();
  const errors = await openStudio(page);
  // The service worker has stored the studio: it says so, once.
  await expect(page.getByTestId('app-offline-ready')).toBeVisible();
  // Chrome would install it as an app: nothing in its checks fails but the test's incognito
  // profile, which Chrome installs nothing from.
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors.map((e) => e.errorId)).toEqual(['in-incognito']);

  // No server: the page, its workers and the built-in corpus come from the browser's copy.
  await server.down();
  await page.reload();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('app-offline-ready')).toHaveCount(0);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 400 });
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-step', /[1-9]/, {
    timeout: 120_000,
  });

  // A release comes out while the run trains, and a second tab of the studio opens: both offer it,
  // but the training tab will not take it, which would reload it and cut the run off.
  await server.up('release 2');
  const other = await context.newPage();
  const otherErrors = await openStudio(other);
  await other.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
  await expect(other.getByTestId('app-update')).toContainText(
    'A new version of i3 Studio is ready',
  );
  const update = page.getByTestId('app-update');
  await expect(update).toContainText('it waits until nothing would be lost');
  await expect(page.getByTestId('app-update-now')).toBeDisabled();
  // The idle tab takes it and reloads under it.
  await Promise.all([other.waitForEvent('load'), other.getByTestId('app-update-now').click()]);
  await expect(other.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await expect(other.getByTestId('app-update')).toHaveCount(0);
  await other.close();
  // The training tab trains on, on the old release until it may reload, and says so.
  await expect(update).toContainText('i3 Studio was updated in another tab');
  const step = Number(await page.getByTestId('run-progress').getAttribute('data-step'));
  await stopAfterStep(page, step + 1);
  await expect(update).not.toContainText('it waits');
  await Promise.all([page.waitForEvent('load'), page.getByTestId('app-update-now').click()]);
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('app-update')).toHaveCount(0);
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return registration?.waiting === null && registration.active !== null;
      }),
    )
    .toBe(true);
  // The run, trained without a network, is still there.
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'stopped');
  expect(otherErrors).toEqual([]);
  expect(errors).toEqual([]);
  await server.down();
});
