// The browser storage the studio's datasets, runs and checkpoints take (IndexedDB), against what
// the browser grants this site, and whether the browser keeps that data under storage pressure
// ("persistent") or may clear it, least recently used sites first.
import { create } from 'zustand';

interface StorageState {
  /** Bytes used and granted (navigator.storage.estimate), once read. */
  usage?: number;
  quota?: number;
  persisted?: boolean;
  /** The browser's answer when the user asked to keep the data (false: declined). */
  asked?: boolean;
  refresh: () => Promise<void>;
  persist: () => Promise<void>;
}

const storage = () => (typeof navigator === 'undefined' ? undefined : navigator.storage);

export const useStorage = create<StorageState>((set) => ({
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
    if (!s?.persist) {
      set({ asked: false });
      return;
    }
    const granted = await s.persist();
    set({ asked: granted, persisted: granted });
  },
}));
