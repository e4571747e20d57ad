// The colour theme: follows the system's light or dark setting unless one is chosen in the top
// bar. The theme in effect is set on <html data-theme>, whose variables studio.css defines.
import { useLayoutEffect } from 'react';
import { type ThemeChoice, themeOf, useTheme } from '../../store/theme';

const SYSTEM_LIGHT = '(prefers-color-scheme: light)';

/** Keeps <html data-theme> on the theme in effect as the choice or the system's setting changes. */
export function useAppliedTheme(): void {
  const choice = useTheme((s) => s.choice);
  // Before the browser paints, so that a light page does not show dark first.
  useLayoutEffect(() => {
    const media = window.matchMedia(SYSTEM_LIGHT);
    const update = () => {
      const theme = themeOf(choice, media.matches);
      document.documentElement.dataset.theme = theme;
      useTheme.getState().apply(theme);
    };
    update();
    media.addEventListener('change', update);
    return () => media.removeEventListener('change', update);
  }, [choice]);
}

export function ThemeSwitch() {
  const { choice, choose } = useTheme();
  return (
    <select
      className="theme-switch"
      aria-label="Colour theme"
      value={choice}
      onChange={(e) => choose(e.target.value as ThemeChoice)}
      data-testid="theme-switch"
    >
      <option value="system">system theme</option>
      <option value="light">light</option>
      <option value="dark">dark</option>
    </select>
  );
}
