import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { zstdSync } from '../src/data/testZstd';
import { dragFileOver, dropFiles, dropFolder } from './drop';

// A TinyChat file and a JSON Lines file with one malformed line, dropped through a real drop
// event: the import runs in the ingest worker into IndexedDB and survives a reload.

const tinyChat = Array.from(
  { length: 300 },
  (_, i) => `[INST] What is ${i} plus one? [/INST] It is ${i + 1}. Happy to help!`,
).join('\n');
const jsonl = [
  ...Array.from({ length: 200 }, (_, i) =>
    JSON.stringify({ text: `Document ${i}: the quick brown fox jumps over the lazy dog 😀.` }),
  ),
  '{"text": broken',
].join('\n');

test('dropped files become a stored dataset with statistics and samples', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Data' }).click();
  await dropFiles(page, 'dropzone', [
    { name: 'tinychat.txt', text: tinyChat },
    { name: 'docs.jsonl', text: jsonl },
  ]);
  // Progress shows while the worker imports (it may already be done: accept either).
  await expect(page.getByTestId('import-progress').or(page.getByTestId('dataset'))).toBeVisible();
  const dataset = page.getByTestId('dataset').filter({ hasText: 'tinychat.txt + docs.jsonl' });
  await expect(dataset).toHaveAttribute('data-status', 'complete');
  await expect(dataset).toContainText('2 files');
  // 500 documents, every 20th held out for validation; the malformed line is counted.
  await expect(dataset).toContainText('475 train / 25 validation documents (300 conversations)');
  await expect(dataset).toContainText('1 record skipped');
  const tokens = Number(
    (await dataset.getByTestId('dataset-tokens').textContent())!.replace(/,/g, ''),
  );
  expect(tokens).toBeGreaterThan(5000);

  // A new dataset is selected for training, and its details are shown (the lengths of its
  // documents, against i3-tiny's context of 128 tokens, and samples); the button hides them.
  await expect(page.getByTestId('sample-viewer')).toBeVisible();
  const histogram = page.getByTestId('length-histogram');
  await expect(histogram).toHaveAttribute('data-buckets', /^[3-9]$/);
  await expect(histogram.locator('.recharts-bar-rectangle')).not.toHaveCount(0);
  await expect(page.getByTestId('length-share')).toContainText(
    '% of documents have 128 tokens or more',
  );
  await dataset.getByRole('button', { name: 'Hide details', exact: true }).click();
  await expect(page.getByTestId('sample-viewer')).toHaveCount(0);
  await expect(histogram).toHaveCount(0);
  await dataset.getByRole('button', { name: 'Details', exact: true }).click();
  await expect(page.getByTestId('sample-viewer')).toContainText(
    '[INST] What is 0 plus one? [/INST]',
  );
  await expect(page.getByTestId('sample-tokens')).toContainText('[INST]');
  await expect(page.getByTestId('sample-tokens')).toContainText('<eos>');
  // Any text, as the dataset's tokenizer reads it: its tokens spell it out again, lowercased as
  // this tokenizer lowercases.
  await page.getByText("Your own text, as this dataset's tokenizer reads it").click();
  await page.getByTestId('own-text').fill('What is 2 plus two?');
  await expect(page.getByTestId('own-tokens-count')).toHaveText(
    /^\d+ tokens for 19 characters \(\d\.\d\d characters a token\)$/,
  );
  const chips = await page.getByTestId('own-tokens').locator('span').allTextContents();
  expect(chips.length).toBeGreaterThan(4);
  expect(chips.join('').replaceAll('·', ' ')).toBe('what is 2 plus two?');

  // The shards leave as a zip for train_i3.py (built in the export worker).
  const downloading = page.waitForEvent('download');
  await dataset.getByTestId('export-shards').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('tinychat.txt-docs.jsonl-shards.zip');
  const zip = await readFile((await download.path())!);
  const names = Object.keys(unzipSync(new Uint8Array(zip)));
  expect(names).toContain('manifest.json');
  expect(names.some((n) => n.startsWith('train_'))).toBe(true);

  // The same file dropped again is refused as a duplicate, with the message in place.
  await dropFiles(page, 'dropzone', [{ name: 'again.jsonl', text: jsonl }]);
  await expect(page.getByTestId('import-messages')).toContainText('is the same file as');

  await page.reload();
  await page.getByRole('tab', { name: 'Data' }).click();
  const stored = page.getByTestId('dataset').filter({ hasText: 'tinychat.txt + docs.jsonl' });
  await expect(stored).toHaveAttribute('data-status', 'complete');
  await expect(stored.getByTestId('dataset-tokens')).toHaveText(tokens.toLocaleString('en-US'));

  // An unsupported file gets a clear message and nothing new is stored.
  await dropFiles(page, 'dropzone', [{ name: 'bad.bin', text: 'x' }]);
  const messages = page.getByTestId('import-messages');
  await expect(messages).toContainText('Nothing to import: the file cannot be used');
  // The reason once, in the list of files.
  await expect(messages.getByText('not a supported file type')).toHaveCount(1);
  await expect(page.getByTestId('dataset')).toHaveCount(1);

  // A table without a text column by any name the studio knows offers its columns: one click
  // imports it again with the text in that column. Split by semicolons, as Excel saves CSV in
  // much of Europe.
  const avis = `note;avis\n${Array.from({ length: 40 }, (_, i) => `${i % 5};Avis ${i}: bon film.`).join('\n')}\n`;
  await dropFiles(page, 'dropzone', [{ name: 'avis.csv', text: avis }]);
  await expect(messages).toContainText(
    'avis.csv: has no "text" or "messages" column, nor instruction and output columns: choose one of note, avis',
  );
  await messages.getByTestId('column-choice').getByRole('button', { name: 'avis' }).click();
  const byColumn = page.getByTestId('dataset').filter({ hasText: 'avis.csv' });
  await expect(byColumn).toHaveAttribute('data-status', 'complete');
  await expect(byColumn).toContainText('38 train / 2 validation documents');
  // The choice was for that file alone: the options' column stays empty.
  await page.getByText('Import options').click();
  await expect(page.getByLabel('Text column or field')).toHaveValue('');
  await page.getByText('Import options').click();

  // A Zstandard-compressed shard (large corpora ship as .jsonl.zst) inflates as it streams in.
  const shardLines = Array.from({ length: 200 }, (_, i) =>
    JSON.stringify({ text: `Shard record ${i}, compressed with zstd.` }),
  ).join('\n');
  const zst = Buffer.from(zstdSync(shardLines, '-19')).toString('base64');
  // Dropped beside the zone: the page keeps the drop (cancels it) and imports it.
  expect(
    await dropFiles(page, page.getByTestId('dataset').first(), [
      { name: 'shard_00.jsonl.zst', base64: zst },
    ]),
  ).toBe(true);
  const shard = page.getByTestId('dataset').filter({ hasText: 'shard_00.jsonl.zst' });
  await expect(shard).toHaveAttribute('data-status', 'complete');
  await expect(shard).toContainText('190 train / 10 validation documents');

  // A zip archive (a Kaggle download, say) is its files: the CSV in its folder imports, the picture
  // beside it is left out with a message, and the dataset takes the archive's name. The CSV is
  // what Excel saves on Windows, Windows-1252 (here its Latin-1 part), which reads as that.
  const reviews = `review\n${Array.from({ length: 60 }, (_, i) => `Review ${i}: a fine film (très réussi).`).join('\n')}\n`;
  const archive = zipSync({
    'reviews/train.csv': Buffer.from(reviews, 'latin1'),
    'reviews/poster.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1]),
  });
  await dropFiles(page, 'dropzone', [
    { name: 'movie-reviews.zip', base64: Buffer.from(archive).toString('base64') },
  ]);
  const zipped = page.getByTestId('dataset').filter({ hasText: 'movie-reviews' });
  await expect(zipped).toHaveAttribute('data-status', 'complete');
  await expect(zipped).toContainText('57 train / 3 validation documents');
  await expect(zipped.getByTestId('dataset-encoding')).toHaveText(
    '· 1 file read as Windows-1252, not UTF-8',
  );
  await expect(page.getByTestId('import-messages')).toContainText(
    'movie-reviews.zip: holds 1 file(s) of other types (reviews/poster.png), left out',
  );

  // Repeated documents (an import option), in files of one line 40 times. Kept by their place,
  // every 20th is held out as the rest, and the pane says that validation shares training's text.
  const importRepeated = async (option: string, name: string, line: string) => {
    await page.getByTestId('import-repeats').selectOption(option);
    await dropFiles(page, 'dropzone', [{ name, text: Array(40).fill(line).join('\n') }]);
    const d = page.getByTestId('dataset').filter({ hasText: name });
    await expect(d).toHaveAttribute('data-status', 'complete');
    return d;
  };
  await page.getByText('Import options').click();
  const repeated = await importRepeated('by-place', 'same.txt', 'the same line');
  await expect(repeated).toContainText('38 train / 2 validation documents');
  await expect(repeated.getByTestId('dataset-repeated')).toHaveText(
    ' · 39 repeated documents (97.5%)',
  );
  await expect(repeated.getByTestId('dataset-shared')).toContainText(
    '2 of them in the other split from their first copy',
  );
  // Dropped: the line is stored once for training, and once more so that validation has one.
  const deduped = await importRepeated('drop', 'other.txt', 'another line');
  await expect(deduped).toContainText('1 train / 1 validation documents');
  await expect(deduped.getByTestId('dataset-repeated')).toHaveText(
    ' · 39 repeated documents (97.5%), dropped',
  );
});

/** n JSON Lines documents, each naming its source. */
const documents = (source: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ text: `Line ${i} of ${source}, a document of a folder.` }),
  ).join('\n');

test('a folder, chosen or dropped, imports the files in it: hidden ones skipped, others left out', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Data' }).click();
  // Chosen from disk, as a cloned dataset repository: data at two depths, a script (source code:
  // one document, blank lines and all), a picture, and text in its .git that would be a fourth
  // file if it were read.
  const notes = join(await mkdtemp(join(tmpdir(), 'i3-folder-')), 'notes');
  await mkdir(join(notes, '2024'), { recursive: true });
  await mkdir(join(notes, '.git'));
  await writeFile(join(notes, 'a.jsonl'), documents('a', 100));
  await writeFile(join(notes, '2024', 'b.jsonl'), documents('b', 60));
  await writeFile(join(notes, 'clean.py'), 'import json\n\n\ndef clean(line):\n    return line\n');
  await writeFile(join(notes, 'cover.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1]));
  await writeFile(join(notes, '.git', 'c.jsonl'), documents('c', 40));
  await page.getByTestId('file-input-folder').setInputFiles(notes);
  const fromDisk = page.getByTestId('dataset').filter({ hasText: 'notes' });
  await expect(fromDisk).toHaveAttribute('data-status', 'complete');
  await expect(fromDisk).toContainText('3 files');
  await expect(fromDisk).toContainText('153 train / 8 validation documents');
  await expect(page.getByTestId('rejected-files')).toContainText(
    'notes: holds 1 file(s) of other types (cover.png), left out',
  );

  // Dropped: the same, through the dropped folder's directory handle, and anywhere on the page, even
  // on another pane (the browser would otherwise open what is dropped in place of the studio). An
  // outline says where files go while they are over the page; the drop shows the Data pane.
  await page.getByRole('tab', { name: 'Model' }).click();
  const modelPane = page.locator('#pane');
  await dragFileOver(page, modelPane);
  await expect(page.getByTestId('page-drop')).toHaveText('Drop to make a dataset of these files');
  await expect(page.getByTestId('page-drop')).toHaveCount(0);
  await dropFolder(page, modelPane, {
    name: 'drafts',
    files: {
      'x.jsonl': documents('x', 30),
      'sub/y.jsonl': documents('y', 10),
      '.hidden/z.jsonl': documents('z', 20),
    },
  });
  await expect(page.getByRole('tab', { name: 'Data' })).toHaveAttribute('aria-selected', 'true');
  const dropped = page.getByTestId('dataset').filter({ hasText: 'drafts' });
  await expect(dropped).toHaveAttribute('data-status', 'complete');
  await expect(dropped).toContainText('2 files');
  await expect(dropped).toContainText('38 train / 2 validation documents');

  // A folder with nothing to import says so, and nothing is stored.
  await dropFolder(page, 'dropzone', { name: 'empty', files: { '.keep': '' } });
  await expect(page.getByTestId('dropzone-problem')).toHaveText(
    'Nothing to import in empty: no files (hidden files and node_modules are skipped).',
  );
  await expect(page.getByTestId('dataset')).toHaveCount(2);

  // A folder of essays, each file one document where the import options ask so (two paragraphs
  // each: 80 documents as paragraphs).
  const essays = join(await mkdtemp(join(tmpdir(), 'i3-essays-')), 'essays');
  await mkdir(essays);
  for (let i = 0; i < 40; i++) {
    await writeFile(join(essays, `essay-${i}.txt`), `Essay ${i} begins.\n\nEssay ${i} ends.\n`);
  }
  await page.getByText('Import options').click();
  await page.getByLabel('Text files').selectOption('file');
  await page.getByTestId('file-input-folder').setInputFiles(essays);
  const whole = page.getByTestId('dataset').filter({ hasText: 'essays' });
  await expect(whole).toHaveAttribute('data-status', 'complete');
  await expect(whole).toContainText('40 files');
  await expect(whole).toContainText('38 train / 2 validation documents');
  // The same folder again: every file a duplicate, the first 20 listed and the rest counted.
  await page.getByTestId('file-input-folder').setInputFiles(essays);
  await expect(page.getByTestId('import-messages')).toContainText(
    'none of the 40 files can be used',
  );
  await expect(page.getByTestId('rejected-files').locator('li')).toHaveCount(21);
  await expect(page.getByTestId('rejected-more')).toHaveText('and 20 more files left out');
});

test('files at web addresses are downloaded and imported, several as one dataset; one that cannot be read says why', async ({
  page,
}) => {
  // Another origin than the studio's, so that the browser applies CORS as on the web.
  const notes = Array.from({ length: 300 }, (_, i) => `Note ${i}: the kite flew at dawn.`);
  const more = Array.from({ length: 100 }, (_, i) => `Entry ${i}: the boat left at dusk.`);
  const extra = Array.from({ length: 100 }, (_, i) => `Line ${i}: the bell rang at noon.`);
  const server = createServer((req, res) => {
    const cors = { 'access-control-allow-origin': '*' };
    if (req.url?.startsWith('/cors/'))
      res.writeHead(200, { ...cors, 'content-type': 'text/plain' });
    else if (req.url === '/page') res.writeHead(200, { ...cors, 'content-type': 'text/html' });
    else res.writeHead(200, { 'content-type': 'text/plain' });
    const body = { '/cors/more.txt': more, '/cors/extra.txt': extra }[req.url ?? ''] ?? notes;
    res.end(body.join('\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await page.goto('/');
    const address = page.getByTestId('import-url');
    const messages = page.getByTestId('import-messages');
    await address.fill(`${base}/nocors/notes.txt`);
    await page.getByTestId('import-url-go').click();
    await expect(messages).toContainText('does not let other sites read its files (CORS)');
    await address.fill(`${base}/page`);
    await page.getByTestId('import-url-go').click();
    await expect(messages).toContainText('is a web page, not a data file');
    await expect(page.getByTestId('dataset')).toHaveCount(0);

    await address.fill(`${base}/cors/notes.txt`);
    await page.getByTestId('import-url-go').click();
    const dataset = page.getByTestId('dataset').filter({ hasText: 'notes.txt' });
    await expect(dataset).toHaveAttribute('data-status', 'complete');
    await expect(dataset).toContainText('1 file');
    await expect(dataset).toContainText('285 train / 15 validation documents');
    await expect(address).toHaveValue('');

    // Several addresses, with spaces between, make one dataset of their files.
    await address.fill(`${base}/cors/more.txt  ${base}/cors/extra.txt`);
    await page.getByTestId('import-url-go').click();
    const both = page.getByTestId('dataset').filter({ hasText: '2 files' });
    await expect(both).toHaveAttribute('data-status', 'complete');
    await expect(both).toContainText('190 train / 10 validation documents');
  } finally {
    server.close();
  }
});

test('a Hugging Face dataset by its name: the Parquet files of its train split become one dataset', async ({
  page,
}) => {
  // The Hub's dataset viewer answers from this test (the machine cannot reach huggingface.co) in
  // its documented shape; the files it lists come from a server of another origin, with CORS.
  const shard = (from: number) =>
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          {
            name: 'text',
            data: Array.from({ length: 150 }, (_, i) => `Story ${from + i}: the fox ran home.`),
            type: 'STRING',
          },
        ],
      }),
    );
  const shards: Record<string, Buffer> = {
    '/train-0.parquet': shard(0),
    '/train-1.parquet': shard(150),
    '/validation-0.parquet': shard(1000),
  };
  const server = createServer((req, res) => {
    const body = shards[req.url ?? ''];
    res.writeHead(body ? 200 : 404, {
      'access-control-allow-origin': '*',
      'content-type': 'application/octet-stream',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entry = (split: string, n: number) => ({
    dataset: 'owner/stories',
    config: 'default',
    split,
    url: `${base}/${split}-${n}.parquet`,
    filename: `000${n}.parquet`,
    size: shards[`/${split}-${n}.parquet`].length,
  });
  const asked: string[] = [];
  await page.route(
    (url) => url.hostname === 'datasets-server.huggingface.co',
    (route) => {
      const url = new URL(route.request().url());
      const dataset = url.searchParams.get('dataset') ?? '';
      asked.push(`${url.pathname}?dataset=${dataset}`);
      const known = url.pathname === '/parquet' && dataset === 'owner/stories';
      return route.fulfill({
        status: known ? 200 : 404,
        headers: { 'access-control-allow-origin': '*' },
        contentType: 'application/json',
        body: JSON.stringify(
          known
            ? { parquet_files: [entry('train', 0), entry('train', 1), entry('validation', 0)] }
            : { error: 'The dataset does not exist on the Hub.' },
        ),
      });
    },
  );
  try {
    await page.goto('/');
    const address = page.getByTestId('import-url');
    await address.fill('nobody/nothing');
    await page.getByTestId('import-url-go').click();
    await expect(page.getByTestId('import-messages')).toContainText(
      'Hugging Face has no Parquet files of a dataset "nobody/nothing" (404: The dataset does not exist on the Hub.)',
    );

    await address.fill('owner/stories');
    await page.getByTestId('import-url-go').click();
    const dataset = page.getByTestId('dataset').filter({ hasText: 'owner/stories' });
    await expect(dataset).toHaveAttribute('data-status', 'complete');
    await expect(dataset).toContainText('2 files');
    await expect(dataset).toContainText('285 train / 15 validation documents');

    // A page of the dataset's viewer picks its subset and split; the name says which.
    await address.fill('https://huggingface.co/datasets/owner/stories/viewer/default/validation');
    await page.getByTestId('import-url-go').click();
    const validation = page
      .getByTestId('dataset')
      .filter({ hasText: 'owner/stories (validation)' });
    await expect(validation).toHaveAttribute('data-status', 'complete');
    await expect(validation).toContainText('1 file');
    expect(asked).toEqual([
      '/parquet?dataset=nobody/nothing',
      '/parquet?dataset=owner/stories',
      '/parquet?dataset=owner/stories',
    ]);
  } finally {
    server.close();
  }
});

test('an import cut off by a reload resumes when the same file comes again', async ({ page }) => {
  // About 25 MB, made in the page (the same bytes each time): a second pass long enough to cut.
  const dropLarge = () =>
    page.getByTestId('dropzone').evaluate((zone) => {
      const lines = Array.from({ length: 400_000 }, (_, i) => `Line ${i}: a kite over the hill.`);
      const dt = new DataTransfer();
      dt.items.add(new File([lines.join('\n')], 'large.txt', { type: 'text/plain' }));
      const init = { dataTransfer: dt, bubbles: true, cancelable: true };
      zone.dispatchEvent(new DragEvent('dragover', init));
      zone.dispatchEvent(new DragEvent('drop', init));
    });
  await page.goto('/');
  await dropLarge();
  // Cut off once its manifest is stored as importing (the second pass has begun).
  const statuses = () =>
    page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const req = indexedDB.open('i3-datasets');
          req.onsuccess = () => {
            const all = req.result.transaction('manifests').objectStore('manifests').getAll();
            all.onsuccess = () => {
              req.result.close();
              resolve(all.result.map((m: { status: string }) => m.status));
            };
          };
        }),
    );
  await expect.poll(statuses, { intervals: [20] }).toEqual(['importing']);
  // Closing the page now would lose the import: the page asks first (accepted here).
  const asked = page.waitForEvent('dialog').then(async (d) => {
    const kind = d.type();
    await d.accept();
    return kind;
  });
  await page.reload();
  expect(await asked).toBe('beforeunload');
  const dataset = page.getByTestId('dataset');
  await expect(dataset).toHaveAttribute('data-status', 'importing');
  await expect(dataset).toContainText('Interrupted import');

  // The same file again picks the import up: one dataset, complete, every document in it.
  await dropLarge();
  await expect(dataset).toHaveAttribute('data-status', 'complete', { timeout: 120_000 });
  await expect(dataset).toHaveCount(1);
  await expect(dataset).toContainText('380,000 train / 20,000 validation documents');
});

test('a dataset shorter than one window of the context holds the run before it starts, and says what to do; one without a validation split says what a run goes without', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-status', 'ready');
  await dropFiles(page, 'dropzone', [{ name: 'short.txt', text: 'Hello there.' }]);
  const dataset = page.getByTestId('dataset');
  await expect(dataset).toHaveAttribute('data-status', 'complete');
  const tokens = Number(
    (await dataset.getByTestId('dataset-tokens').textContent())?.replace(',', ''),
  );
  expect(tokens).toBeLessThan(16);
  // i3-test reads windows of 17 tokens: the run cannot draw one.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByTestId('preset-i3-test').check();
  const why = `"short.txt" has ${tokens} training tokens, fewer than one window of 17`;
  // Here, beside the context T it names; elsewhere, with where to find it.
  await expect(page.getByTestId('data-too-short')).toHaveText(
    `${why} (the context and the token after it): import more text, or train with a shorter context.`,
  );
  await expect(page.getByTestId('find-lr')).toBeDisabled();
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('start-run')).toBeDisabled();
  await expect(page.getByTestId('run-blocker')).toHaveText(
    `${why} (the context and the token after it): import more text, or train with a shorter context (Model pane, context T).`,
  );
  // A context the dataset holds a window of lets it start.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByLabel('context T').fill(String(tokens - 1));
  await expect(page.getByTestId('data-too-short')).toHaveCount(0);
  // Its one document leaves no validation split: the run goes without what that measures.
  await expect(page.getByTestId('no-validation')).toContainText(
    `“short.txt” has no validation split of a whole window (${tokens} tokens): a run on it reports no validation loss`,
  );
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('start-run')).toBeEnabled();
});
