// Number and time formats shared by the panes.

export const count = (n: number) => n.toLocaleString('en-US');

/** A count with its noun, singular for one: "1 document", "2,048 documents". */
export const counted = (n: number, noun: string, nouns = `${noun}s`) =>
  `${count(n)} ${n === 1 ? noun : nouns}`;

/** The words that agree with a count: `one` for 1, `many` otherwise ("it resumes", "they resume"). */
export const agree = (n: number, one: string, many: string) => (n === 1 ? one : many);

export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MB`;
  return `${(n / 1e3).toFixed(1)} kB`;
}

export function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** A moment in the user's locale, short: "12/1/26, 11:58 PM". */
export const dateTime = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** A step's time: milliseconds below a second, else as a duration. */
export const stepTime = (ms: number) =>
  ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : duration(ms / 1000);

export const compact = (n: number) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)}k`
      : `${Math.round(n)}`;

/**
 * A ratio that may be far below 1 or far above it: "0.0013", "0.37", "12.4", "960", "25,000"
 * (past 100 a decimal says nothing).
 */
export const ratio = (x: number) =>
  x < 0.1
    ? x.toPrecision(2)
    : x < 10
      ? x.toFixed(2)
      : x < 100
        ? x.toFixed(1)
        : count(Math.round(x));

/** Passes over training data: "0.0013 epochs", "0.37 epochs", "12.4 epochs". */
export const epochs = (e: number) => `${ratio(e)} epoch${e === 1 ? '' : 's'}`;

/** A checkpoint as the panes name it: "tiny #2 · step 1,200", "(imported)" where it was. */
export const checkpointName = (c: { runName: string; step: number; source?: string }) =>
  `${c.runName} · step ${count(c.step)}${c.source === 'import' ? ' (imported)' : ''}`;
