// Where stores keep what a reload should find as it was (the next run's setup, the chat's
// settings and conversation): localStorage as JSON, or nothing where there is none (Node).
import type { PersistStorage, StorageValue } from 'zustand/middleware';

// A burst of changes (a reply streaming in, typing) is written once it is this old, as it stands
// then, not once per change: a long conversation is not turned into JSON for every token.
const WRITE_DELAY_MS = 250;

/** The writes waiting, by key; each replaces the one before it. */
const unsaved = new Map<string, () => void>();

/** Writes what waits now: when the page goes (a reload, a closed tab), and as each delay ends. */
function flush(name?: string): void {
  for (const [key, pending] of unsaved) {
    if (name !== undefined && key !== name) continue;
    unsaved.delete(key);
    pending();
  }
}

if (typeof addEventListener === 'function') addEventListener('pagehide', () => flush());

/**
 * Stores the value; a write that does not fit (localStorage's few megabytes are full) is let go:
 * the state has changed all the same, and a reload finds what was kept before.
 */
function write(name: string, value: unknown): void {
  try {
    localStorage.setItem(name, JSON.stringify(value));
  } catch {
    // Full.
  }
}

/** What was kept under the name; nothing where it is missing or no longer reads as JSON. */
function read<S>(name: string): StorageValue<S> | null {
  const text = localStorage.getItem(name);
  try {
    return text === null ? null : (JSON.parse(text) as StorageValue<S>);
  } catch {
    return null;
  }
}

export function localStore<S>(): PersistStorage<S> {
  if (typeof localStorage === 'undefined') {
    return { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  }
  return {
    getItem: (name) => read<S>(name),
    setItem: (name, value) => {
      if (!unsaved.has(name)) setTimeout(() => flush(name), WRITE_DELAY_MS);
      unsaved.set(name, () => write(name, value));
    },
    removeItem: (name) => {
      unsaved.delete(name);
      localStorage.removeItem(name);
    },
  };
}
