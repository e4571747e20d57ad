import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { importBuiltInData, openStudio, startTestRun } from './studio';

// Every pane, with a dataset, a finished run and its checkpoint to show, against axe-core's WCAG
// 2.1 A and AA rules (labels, roles, names, contrast where axe can tell), in the dark theme and
// the light one, and at a tablet's and a phone's width.
test('every pane passes the WCAG 2.1 A and AA checks of axe-core, in both colour themes, and reflows to 760 and 320 px', async ({
  page,
}) => {
  const errors = await openStudio(page);
  await importBuiltInData(page);
  await startTestRun(page, { totalSteps: 2 });
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  // Both themes: the colour switch in the top bar sets one, and a reload keeps it.
  const html = page.locator('html');
  for (const theme of ['dark', 'light']) {
    await page.getByTestId('theme-switch').selectOption(theme);
    await expect(html).toHaveAttribute('data-theme', theme);
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
      expect(found, `${pane} pane, ${theme} theme`).toEqual([]);
    }
  }
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  // "system theme" follows the system's setting, as it changes.
  await page.getByTestId('theme-switch').selectOption('system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');

  // WCAG 2.1's reflow (1.4.10), which axe does not check: at 320 CSS px wide (a phone) every pane,
  // its folded sections open, fits the width without scrolling sideways, and every tab shows. The
  // tables of runs and checkpoints too (the criterion would let them scroll in their box): there,
  // and at a tablet's 760 px, each row is a grid of its cells, so that its buttons are in view.
  for (const width of [760, 320]) {
    await page.setViewportSize({ width, height: 720 });
    for (const pane of ['Data', 'Model', 'Train', 'Checkpoints', 'Chat']) {
      await page.getByRole('tab', { name: pane, exact: true }).click();
      await page.evaluate(() => {
        for (const d of document.querySelectorAll('details')) d.open = true;
      });
      const wider = await page.evaluate(() => {
        const right = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > right + 1)
          .map((el) => `${el.tagName.toLowerCase()} "${el.textContent?.slice(0, 40)}"`)
          .slice(0, 5);
      });
      expect(wider, `${pane} pane at ${width} px`).toEqual([]);
      for (const tab of await page.getByRole('tab').all()) await expect(tab).toBeInViewport();
      // The stacked runs table keeps its header's sort buttons, on a line of their own.
      if (pane === 'Train') await expect(page.getByTestId('sort-loss')).toBeVisible();
    }
  }
  expect(errors).toEqual([]);
});
