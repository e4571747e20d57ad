import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { type DroppedFile, dropFiles } from './drop';
import { importBuiltInData, openStudio, startTestRun } from './studio';

// A short i3-test run leaves checkpoints; one is exported as a Hugging Face bundle (the download
// fallback: the File System Access picker is taken away), the zip is dropped back in and becomes
// an imported checkpoint that trains further, and so does the run's last checkpoint; its files
// come in from a web address too; broken drops and addresses give clear messages; a delete asks
// first and can be cancelled from the keyboard.

const drop = (page: Page, files: DroppedFile[]) => dropFiles(page, 'bundle-dropzone', files);

const notice = (page: Page) => page.getByTestId('checkpoints-notice');

/**
 * A server on another origin (CORS as on the web) with the bundle's files in folders: /alice/i3-web
 * all of them, /gpt2 another model's config.json, /slow half of its weights and then nothing more.
 */
async function bundleServer(zip: Buffer): Promise<{ base: string; close: () => void }> {
  const files = unzipSync(new Uint8Array(zip));
  const server = createServer((req, res) => {
    const [dir, name] = req.url!.split('/').slice(-2);
    const body = dir === 'gpt2' && name === 'config.json' ? '{"model_type": "gpt2"}' : files[name];
    if (!body) {
      res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
      return;
    }
    res.writeHead(200, {
      'access-control-allow-origin': '*',
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    });
    if (dir === 'slow' && name === 'model.safetensors') {
      res.write(body.slice(0, body.length >> 1));
      req.on('close', () => res.destroy());
    } else {
      res.end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => server.close() };
}

test('checkpoints: list, export as a bundle, import it back, resume it, delete', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  const errors = await openStudio(page);
  await importBuiltInData(page);

  await startTestRun(page, { totalSteps: 3, checkpointInterval: 2 });
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });

  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const rows = page.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(2);
  const last = rows.first();
  await expect(last).toContainText('i3-test #1');
  await expect(last.locator('td').nth(1)).toHaveText('3');
  // The end of the run's schedule trains further, as a new run; the step-2 checkpoint resumes its
  // own run.
  await expect(last.getByTestId('resume-checkpoint')).toBeEnabled();
  await expect(last.getByTestId('resume-checkpoint')).toHaveText('Train further');
  await expect(rows.nth(1).getByTestId('resume-checkpoint')).toBeEnabled();
  await expect(rows.nth(1).getByTestId('resume-checkpoint')).toHaveText('Resume training');
  const final = page.locator(
    `[data-testid="checkpoint-row"][data-id="${await last.getAttribute('data-id')}"]`,
  );

  const downloading = page.waitForEvent('download');
  await last.getByTestId('export-checkpoint').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('i3-test-1-step3.zip');
  const zip = await readFile(await download.path());
  expect(zip.subarray(0, 2).toString()).toBe('PK');
  await expect(notice(page)).toHaveAttribute('data-kind', 'ok');
  await expect(notice(page)).toContainText('Exported i3-test-1-step3.zip');

  // With a save picker (one that hands out a file of the origin-private file system, as the real
  // picker hands out a file on disk), the worker writes the zip into that file.
  await page.evaluate(() => {
    Object.assign(window, {
      showSaveFilePicker: async ({ suggestedName }: { suggestedName: string }) =>
        (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true }),
    });
  });
  await rows.nth(1).getByTestId('export-checkpoint').click();
  await expect(notice(page)).toContainText('Exported i3-test-1-step2.zip.');
  const saved = await page.evaluate(async () => {
    const dir = await navigator.storage.getDirectory();
    const file = await (await dir.getFileHandle('i3-test-1-step2.zip')).getFile();
    return { size: file.size, head: await file.slice(0, 2).text() };
  });
  expect(saved.head).toBe('PK');
  // The same model with a shorter history: the same size but for a few lines of metrics.
  expect(Math.abs(saved.size - zip.length)).toBeLessThan(2000);
  // To share the model alone, exports can leave the optimizer state out: about half the zip.
  await page.getByTestId('export-optimizer').uncheck();
  await last.getByTestId('export-checkpoint').click();
  await expect(notice(page)).toContainText('Exported i3-test-1-step3.zip.');
  const savedZip = () =>
    page.evaluate(async () => {
      const dir = await navigator.storage.getDirectory();
      const file = await (await dir.getFileHandle('i3-test-1-step3.zip')).getFile();
      return [...new Uint8Array(await file.arrayBuffer())];
    });
  const shared = await savedZip();
  const namesOf = (bytes: Uint8Array) => Object.keys(unzipSync(bytes));
  expect(namesOf(new Uint8Array(zip))).toContain('optimizer.safetensors');
  expect(namesOf(Uint8Array.from(shared))).toEqual(
    namesOf(new Uint8Array(zip)).filter((n) => n !== 'optimizer.safetensors'),
  );
  expect(shared.length).toBeLessThan(0.7 * zip.length);
  // And with the weights in bfloat16: every tensor of model.safetensors, half the bytes.
  await notice(page).getByRole('button', { name: 'Dismiss' }).click();
  await page.getByTestId('export-weights').selectOption('BF16');
  await last.getByTestId('export-checkpoint').click();
  await expect(notice(page)).toContainText('Exported i3-test-1-step3.zip.');
  const halved = unzipSync(Uint8Array.from(await savedZip()));
  const safetensors = (files: Record<string, Uint8Array>) => {
    const st = files['model.safetensors'];
    const n = Number(new DataView(st.buffer, st.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + n)));
    delete header.__metadata__;
    return {
      bytes: st.length,
      dtypes: new Set(Object.values(header).map((t) => (t as { dtype: string }).dtype)),
    };
  };
  const [full, half] = [safetensors(unzipSync(new Uint8Array(zip))), safetensors(halved)];
  expect([...full.dtypes]).toEqual(['F32']);
  expect([...half.dtypes]).toEqual(['BF16']);
  expect(half.bytes).toBeLessThan(0.55 * full.bytes);
  await page.getByTestId('export-weights').selectOption('F32');
  await page.getByTestId('export-optimizer').check();

  // A damaged checkpoint (one byte flipped in IndexedDB) is refused with the reason.
  const step2 = (await rows.nth(1).getAttribute('data-id'))!;
  await page.evaluate(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('i3-studio');
        req.onsuccess = () => {
          const store = req.result
            .transaction('checkpointBytes', 'readwrite')
            .objectStore('checkpointBytes');
          const get = store.get(id);
          get.onsuccess = () => {
            const bytes = get.result as Uint8Array;
            bytes[bytes.length - 1] ^= 0xff;
            const put = store.put(bytes, id);
            put.onsuccess = () => resolve();
            put.onerror = () => reject(put.error);
          };
        };
      }),
    step2,
  );
  await rows.nth(1).getByTestId('export-checkpoint').click();
  await expect(notice(page)).toHaveAttribute('data-kind', 'error');
  await expect(notice(page)).toContainText('This checkpoint is damaged and was not loaded');

  // Back in through the drop zone: a checkpoint with the run's tokenizer.
  await drop(page, [{ name: 'i3-test-1-step3.zip', base64: zip.toString('base64') }]);
  const imported = page.locator('[data-testid="checkpoint-row"][data-source="import"]');
  await expect(imported).toHaveCount(1);
  await expect(imported).toContainText('i3-test-1-step3');
  await expect(imported.locator('td').nth(1)).toHaveText('3');
  await expect(notice(page)).toContainText('Imported i3-test-1-step3');
  // The built-in dataset has its tokenizer, so it can train further.
  await expect(imported.getByTestId('resume-needs-dataset')).toHaveCount(0);
  await expect(imported.getByTestId('resume-checkpoint')).toBeEnabled();
  // The same bundle dropped again adds nothing, and says which checkpoint it is.
  await drop(page, [{ name: 'i3-test-1-step3.zip', base64: zip.toString('base64') }]);
  await expect(notice(page)).toContainText(
    'i3-test-1-step3 (step 3) is already among your checkpoints, imported ',
  );
  await expect(imported).toHaveCount(1);

  // Broken drops: a truncated archive and a text file.
  await drop(page, [
    { name: 'cut.zip', base64: zip.subarray(0, zip.length >> 1).toString('base64') },
  ]);
  await expect(notice(page)).toHaveAttribute('data-kind', 'error');
  await expect(notice(page)).toContainText('not a readable zip (truncated or corrupt)');
  // Beside the zone, on the list: the Checkpoints pane takes any drop as a bundle.
  const notes = { name: 'notes.txt', base64: Buffer.from('hello').toString('base64') };
  expect(await dropFiles(page, rows.first(), [notes])).toBe(true);
  await expect(notice(page)).toContainText('notes.txt is not a bundle');
  await expect(rows).toHaveCount(3);

  // From the web: another model's folder is refused, a download is cancelled half-way, and the
  // bundle's files in a folder on another origin (as a Hugging Face repository has them) come in.
  const web = await bundleServer(zip);
  try {
    const address = page.getByTestId('bundle-url');
    await address.fill(`${web.base}/gpt2`);
    await page.getByTestId('bundle-url-go').click();
    await expect(notice(page)).toContainText('unknown model_type "gpt2" in config.json');
    await address.fill(`${web.base}/slow/`);
    await page.getByTestId('bundle-url-go').click();
    await expect(page.getByTestId('import-progress')).toContainText(
      `Downloading model.safetensors from ${web.base}/slow/`,
    );
    // A drop meanwhile, on the zone or beside it, is refused with why.
    await drop(page, [notes]);
    await expect(page.getByTestId('bundle-dropzone-problem')).toHaveText(
      'An import is under way: drop these again when it ends (or cancel it).',
    );
    await dropFiles(page, rows.first(), [notes]);
    await expect(notice(page)).toContainText(
      'An import is under way: drop these again when it ends (or cancel it).',
    );
    await page.getByTestId('import-cancel').click();
    await expect(notice(page)).toContainText('Import cancelled.');
    await expect(page.getByTestId('bundle-dropzone-problem')).toHaveCount(0);
    await address.fill(`${web.base}/alice/i3-web/config.json`);
    await page.getByTestId('bundle-url-go').click();
    // The same weights under another name come in, and the notice says whose they are.
    await expect(notice(page)).toContainText(
      'Imported i3-web (step 3). It has the same weights as i3-test-1-step3, imported before',
    );
  } finally {
    web.close();
  }
  const fromWeb = rows.filter({ hasText: 'i3-web' });
  await expect(fromWeb).toHaveAttribute('data-source', 'import');
  await expect(fromWeb.getByTestId('resume-checkpoint')).toBeEnabled();
  await fromWeb.getByTestId('delete-checkpoint').click();
  await page.getByTestId('confirm-delete-yes').click();
  await expect(rows).toHaveCount(3);

  // A bundle's folder chosen from disk, as a cloned Hugging Face repository has it: a checkpoint
  // named for the folder, from its own files (not its .git's, nor a subfolder's).
  const folder = join(await mkdtemp(join(tmpdir(), 'i3-bundle-')), 'i3-folder');
  await mkdir(join(folder, '.git'), { recursive: true });
  await mkdir(join(folder, 'old'));
  for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(zip)))) {
    await writeFile(join(folder, name), bytes);
  }
  await writeFile(join(folder, '.git', 'config'), '[core]\n');
  await writeFile(join(folder, 'old', 'config.json'), '{"model_type": "gpt2"}');
  await page.getByTestId('bundle-file-input-folder').setInputFiles(folder);
  await expect(notice(page)).toContainText('Imported i3-folder (step 3)');
  const fromFolder = rows.filter({ hasText: 'i3-folder' });
  await expect(fromFolder).toHaveAttribute('data-source', 'import');
  await fromFolder.getByTestId('delete-checkpoint').click();
  await page.getByTestId('confirm-delete-yes').click();
  await expect(rows).toHaveCount(3);

  // The imported checkpoint trains further: a new run on the built-in dataset.
  await expect(imported.getByTestId('resume-checkpoint')).toHaveText('Train further');
  await imported.getByTestId('resume-checkpoint').click();
  await expect(notice(page)).toContainText(
    'i3-test-1-step3 (continued) trains 3 more steps on nlp-corpus (built-in)',
  );
  await page.getByRole('tab', { name: 'Train' }).click();
  const continued = (name: string) => page.getByTestId('run-row').filter({ hasText: name });
  await expect(continued('i3-test-1-step3 (continued)')).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  // Three more steps saved at steps 4 and 6.
  await expect(rows).toHaveCount(5);

  // So does the run's last checkpoint, here from the finished run's row in the Train pane: a new
  // run with the run's settings and dataset, its schedule 3 steps (the Model pane's total) past 3.
  await page.getByRole('tab', { name: 'Train' }).click();
  const original = page
    .getByTestId('run-row')
    .filter({ has: page.getByTestId('run-name').getByText('i3-test #1', { exact: true }) });
  await original.getByTestId('train-further').click();
  await expect(continued('i3-test #1 (continued)')).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const further = rows.filter({ hasText: 'i3-test #1 (continued)' });
  await expect(further).toHaveCount(2);
  await expect(further.first().locator('td').nth(1)).toHaveText('6');
  await expect(rows).toHaveCount(7);

  // Delete asks first; Escape cancels, the dialog's Delete button confirms (from the keyboard).
  await imported.getByTestId('delete-checkpoint').click();
  const dialog = page.getByTestId('confirm-delete');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(rows).toHaveCount(7);
  await imported.getByTestId('delete-checkpoint').click();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('confirm-delete-yes')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(imported).toHaveCount(0);
  await expect(rows).toHaveCount(6);

  // With its dataset deleted, a run cannot continue on it: its checkpoints say what they need, and
  // once the same corpus is imported again they train further on it as new runs, even one in the
  // middle of its run's schedule (step 4 of the continued run's 6).
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByTestId('dataset').first().getByTestId('delete-dataset').click();
  // It asks first, and says what the runs trained on it keep.
  await expect(dialog).toContainText('3 runs trained on it keep their checkpoints');
  await page.getByTestId('confirm-delete-yes').click();
  await expect(page.getByTestId('dataset')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(final.getByTestId('resume-checkpoint')).toBeDisabled();
  await expect(final.getByTestId('resume-needs-dataset')).toContainText(
    'No dataset here uses this checkpoint’s tokenizer',
  );
  await page.getByRole('tab', { name: 'Data' }).click();
  await importBuiltInData(page);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(final.getByTestId('resume-checkpoint')).toBeEnabled();
  await expect(final.getByTestId('resume-needs-dataset')).toHaveCount(0);
  await expect(further.nth(1).locator('td').nth(1)).toHaveText('4');
  await expect(further.nth(1).getByTestId('resume-checkpoint')).toHaveText('Train further');

  // The list is the stored one: it survives a reload, and so does what exports hold.
  await page.getByTestId('export-weights').selectOption('BF16');
  await page.reload();
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await expect(rows).toHaveCount(6);
  await expect(page.getByTestId('export-weights')).toHaveValue('BF16');
  await expect(page.getByTestId('export-optimizer')).toBeChecked();

  // Each of the three runs has its best by validation loss marked. To free space, every other
  // checkpoint but each run's latest goes, after a confirmation: at least the first run's step 2,
  // which had no validation loss yet.
  await expect(page.getByTestId('best-checkpoint')).toHaveCount(3);
  const prune = page.getByTestId('prune-checkpoints');
  const n = Number(await prune.getAttribute('data-count'));
  expect(n).toBeGreaterThanOrEqual(1);
  await prune.click();
  await expect(dialog).toContainText(`${n} checkpoints`);
  await page.getByTestId('confirm-delete-yes').click();
  await expect(notice(page)).toContainText(`Deleted ${n} checkpoint`);
  await expect(rows).toHaveCount(6 - n);
  await expect(page.getByTestId('best-checkpoint')).toHaveCount(3);
  // Each run's latest stays.
  await expect(final).toHaveCount(1);
  await expect(further.first().locator('td').nth(1)).toHaveText('6');
  await expect(
    rows.filter({ hasText: 'i3-test-1-step3 (continued)' }).first().locator('td').nth(1),
  ).toHaveText('6');
  await expect(rows.locator('td:nth-child(2)', { hasText: /^2$/ })).toHaveCount(0);
  await expect(prune).toHaveCount(0);
  expect(errors).toEqual([]);
});
