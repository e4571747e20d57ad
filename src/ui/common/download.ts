// Offering a Blob the page made (an exported bundle, a dataset's shards, a run's metrics) as a
// download.

/** Offers a Blob as a download through a temporary <a download>. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  // The download has started from the URL by the next task; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
