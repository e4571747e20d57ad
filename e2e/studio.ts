import { expect, type Page } from '@playwright/test';

// The steps most specs start with: the studio opened with its GPU ready, the built-in corpus.

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
