// The studio's colours: the system's light or dark setting, or one chosen here (kept over a
// reload), and the one in effect, which studio.css reads from <html data-theme>.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { localStore } from './localStore';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

interface ThemeState {
  choice: ThemeChoice;
  /** The theme in effect: the choice, or the system's where the choice is 'system'. */
  theme: Theme;
  choose: (choice: ThemeChoice) => void;
  /** Sets the theme in effect (useAppliedTheme, from the choice and the system's setting). */
  apply: (theme: Theme) => void;
}

export const useTheme = create<ThemeState>()(
  persist(
    (set) => ({
      choice: 'system',
      theme: 'dark',
      choose: (choice) => set({ choice }),
      apply: (theme) => set({ theme }),
    }),
    {
      name: 'i3-studio-theme',
      version: 1,
      storage: localStore<Pick<ThemeState, 'choice'>>(),
      partialize: ({ choice }) => ({ choice }),
    },
  ),
);

/** The theme a choice gives where the system prefers light (or not). */
export const themeOf = (choice: ThemeChoice, systemLight: boolean): Theme =>
  choice === 'system' ? (systemLight ? 'light' : 'dark') : choice;
