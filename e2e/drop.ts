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

/**
 * Drops a folder (its name, and its files' text by path in it) on the element with this test id.
 * Playwright cannot drag a folder from the desktop, so the drop's one item hands the folder out as
 * Chrome's DataTransferItem.getAsFileSystemHandle does a dropped one's: as a directory handle, here
 * a real one, written first to the origin-private file system.
 */
export async function dropFolder(
  page: Page,
  testId: string,
  folder: { name: string; files: Record<string, string> },
) {
  await page.getByTestId(testId).evaluate(async (zone, { name, files }) => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(name, { create: true });
    for (const [path, text] of Object.entries(files)) {
      const parts = path.split('/');
      let at = dir;
      for (const part of parts.slice(0, -1)) {
        at = await at.getDirectoryHandle(part, { create: true });
      }
      const file = await at.getFileHandle(parts.at(-1)!, { create: true });
      const writable = await file.createWritable();
      await writable.write(text);
      await writable.close();
    }
    const dt = new DataTransfer();
    const item = { kind: 'file', getAsFile: () => null, getAsFileSystemHandle: async () => dir };
    Object.defineProperty(dt, 'items', { value: [item] });
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent('dragover', init));
    zone.dispatchEvent(new DragEvent('drop', init));
  }, folder);
}
