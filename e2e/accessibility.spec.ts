import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { importBuiltInData, openStudio, startTestRun } from './studio';

// Every pane, with a dataset, a finished run and its checkpoint to show, against axe-core's WCAG
// 2.1 A and AA rules (labels, roles, names, contrast where axe can tell).
test('every pane passes the WCAG 2.1 A and AA checks of axe-core', async ({ page }) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 2 });
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  for (const pane of ['Data', 'Model', 'Train', 'Checkpoints', 'Chat']) {
    await page.getByRole('tab', { name: pane, exact: true }).click();
    await expect(page.getByRole('tab', { name: pane, exact: true })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    const { violations } = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const found = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target.join(' ')}`);
    expect(found, `${pane} pane`).toEqual([]);
  }
  expect(errors).toEqual([]);
});
