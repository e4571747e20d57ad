import type { Locator, Page } from '@playwright/test';

/** A file for dropFiles: text (sent as text/plain), or binary bytes in base64 (no type). */
export type DroppedFile = { name: string; text: string } | { name: string; base64: string };

/** Where a drop lands: the element with this test id, or any element. */
export type DropTarget = string | Locator;

const targetOf = (page: Page, at: DropTarget) =>
  typeof at === 'string' ? page.getByTestId(at) : at;

/**
 * Drops files on `at` through real dragover and drop events. Returns whether the page cancelled
 * both, as it must for the browser not to open a dropped file in place of the page.
 */
export async function dropFiles(page: Page, at: DropTarget, files: DroppedFile[]) {
  return targetOf(page, at).evaluate((zone, list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      dt.items.add(
        'text' in f
          ? new File([f.text], f.name, { type: 'text/plain' })
          : new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name),
      );
    }
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    const over = zone.dispatchEvent(new DragEvent('dragover', init));
    const drop = zone.dispatchEvent(new DragEvent('drop', init));
    return !over && !drop;
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
  at: DropTarget,
  folder: { name: string; files: Record<string, string> },
) {
  await targetOf(page, at).evaluate(async (zone, { name, files }) => {
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
    // Chrome lists a dropped folder as a file (its types say 'Files') with no bytes of its own.
    const dt = new DataTransfer();
    dt.items.add(new File([], name));
    const item = { kind: 'file', getAsFile: () => null, getAsFileSystemHandle: async () => dir };
    Object.defineProperty(dt, 'items', { value: [item] });
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent('dragover', init));
    zone.dispatchEvent(new DragEvent('drop', init));
  }, folder);
}

/** Drags a file over `at` (one dragover, no drop), as the pointer passing over the page does. */
export async function dragFileOver(page: Page, at: DropTarget) {
  await targetOf(page, at).evaluate((element) => {
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(new File(['x'], 'x.txt', { type: 'text/plain' }));
    element.dispatchEvent(
      new DragEvent('dragover', { dataTransfer, bubbles: true, cancelable: true }),
    );
  });
}
