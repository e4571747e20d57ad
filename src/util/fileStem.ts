// A name (a dataset's, a run's, a chart's) as the stem of a file name, for the studio's downloads
// and the bundles the CLI writes.

/**
 * Letters and digits of any script kept (with '_', '.' and '-'), runs of anything else as '-', none
 * at either end; `fallback` where nothing is left.
 */
export const fileStem = (name: string, fallback = 'i3'): string =>
  name.replace(/[^\p{L}\p{N}_.-]+/gu, '-').replace(/^-+|-+$/g, '') || fallback;
