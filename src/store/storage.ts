// The browser storage the studio's datasets, runs and checkpoints take (IndexedDB), against what
// the browser grants this site, and whether the browser keeps that data under storage pressure
// ("persistent") or may clear it, least recently used sites first.
import { create } from 'zustand';

interface StorageState {
  /** Bytes used and granted (navigator.storage.estimate), once read. */
  usage?: number;
  quota?: number;
  persisted?: boolean;
  /** The user asked the browser to keep the data, and it declined. */
  declined: boolean;
  refresh: () => Promise<void>;
  persist: () => Promise<void>;
}

const storage = () => (typeof navigator === 'undefined' ? undefined : navigator.storage);

export const useStorage = create<StorageState>((set) => ({
  declined: false,
  refresh: async () => {
    const s = storage();
    if (!s?.estimate) return;
    const [{ usage, quota }, persisted] = await Promise.all([
      s.estimate(),
      s.persisted ? s.persisted() : Promise.resolve(false),
    ]);
    set({ usage, quota, persisted });
  },
  persist: async () => {
    const s = storage();
    const granted = (await s?.persist?.()) ?? false;
    set({ declined: !granted, persisted: granted });
  },
}));
