// Where stores keep what a reload should find as it was (the next run's setup, the chat's
// settings): localStorage, or nothing where there is none (Node).
import { createJSONStorage, type StateStorage } from 'zustand/middleware';

const nowhere: StateStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

export const localStore = <S>() =>
  createJSONStorage<S>(() => (typeof localStorage === 'undefined' ? nowhere : localStorage));
