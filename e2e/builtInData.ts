import { expect, type Page } from '@playwright/test';

/** Imports the built-in corpus from the Data pane and waits until it is stored. */
export async function importBuiltInData(page: Page): Promise<void> {
  await page.getByTestId('import-default').click();
  await expect(page.getByTestId('dataset').first()).toHaveAttribute('data-status', 'complete', {
    timeout: 120_000,
  });
}
