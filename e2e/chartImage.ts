import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** What a chart saved as a PNG holds, read back in the page. */
export interface SavedChart {
  fileName: string;
  /** The image's width, and the chart's drawing's on the page (CSS pixels: its SVG or canvas). */
  width: number;
  chartWidth: number;
  /** Pixels of the plot (below the title, above the legend) within 30 of `color`. */
  line: number;
  /** The image's top-left pixel, and the colour of the card the chart sits on (RGB). */
  corner: number[];
  card: number[];
}

/** Presses the PNG button of chart `testId` and reads the image it downloads. */
export async function savedChart(page: Page, testId: string, color: string): Promise<SavedChart> {
  const saving = page.waitForEvent('download');
  await page.getByTestId(`${testId}-save`).click();
  const saved = await saving;
  const base64 = readFileSync(await saved.path()).toString('base64');
  const read = await page.evaluate(
    async ({ base64, testId, color }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${base64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
      ctx.drawImage(img, 0, 0);
      const rgb = (css: string) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const probe = document.createElement('span');
      probe.style.color = color;
      document.body.append(probe);
      const [r, g, b] = rgb(getComputedStyle(probe).color);
      probe.remove();
      const figure = document.querySelector(`[data-testid="${testId}"]`) as HTMLElement;
      // The drawing: recharts' SVG, or the heatmap's canvas.
      const drawn =
        figure.querySelector('.recharts-wrapper > svg') ?? figure.querySelector('canvas');
      const box = (drawn as Element).getBoundingClientRect();
      // Below the 26-pixel title, at twice the size.
      const plot = ctx.getImageData(0, 52, img.width, Math.round(2 * box.height)).data;
      let line = 0;
      for (let i = 0; i < plot.length; i += 4) {
        if (Math.abs(plot[i] - r) + Math.abs(plot[i + 1] - g) + Math.abs(plot[i + 2] - b) < 30)
          line++;
      }
      return {
        width: img.width,
        chartWidth: Math.round(box.width),
        line,
        corner: [...ctx.getImageData(1, 1, 1, 1).data.slice(0, 3)],
        card: rgb(getComputedStyle(figure.closest('.card') as Element).backgroundColor),
      };
    },
    { base64, testId, color },
  );
  return { fileName: saved.suggestedFilename(), ...read };
}
