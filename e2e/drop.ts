import type { Page } from '@playwright/test';

/** A file for dropFiles: text (sent as text/plain), or binary bytes in base64 (no type). */
export type DroppedFile = { name: string; text: string } | { name: string; base64: string };

/** Drops files on the element with this test id through real dragover and drop events. */
export async function dropFiles(page: Page, testId: string, files: DroppedFile[]) {
  await page.getByTestId(testId).evaluate((zone, list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      dt.items.add(
        'text' in f
          ? new File([f.text], f.name, { type: 'text/plain' })
          : new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name),
      );
    }
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent('dragover', init));
    zone.dispatchEvent(new DragEvent('drop', init));
  }, files);
}
