// Where stores keep what a reload should find as it was (the next run's setup, the chat's
// settings and conversation): localStorage, or nothing where there is none (Node).
import { createJSONStorage, type StateStorage } from 'zustand/middleware';

const nowhere: StateStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

/**
 * localStorage, where a write that does not fit (its few megabytes are full) is let go: the state
 * still changes, and a reload finds what was last kept, rather than the change failing.
 */
const forgiving = (storage: Storage): StateStorage => ({
  getItem: (name) => storage.getItem(name),
  setItem: (name, value) => {
    try {
      storage.setItem(name, value);
    } catch {
      // Full: what was kept before stays.
    }
  },
  removeItem: (name) => storage.removeItem(name),
});

export const localStore = <S>() =>
  createJSONStorage<S>(() =>
    typeof localStorage === 'undefined' ? nowhere : forgiving(localStorage),
  );
