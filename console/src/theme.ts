/** Light, dark, or the system's choice (prefers-color-scheme); the choice is kept in localStorage. */
import { useCallback, useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'foyer-console-theme';

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

const systemDark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

export function effectiveTheme(choice: ThemeChoice): 'light' | 'dark' {
  return choice === 'system' ? (systemDark() ? 'dark' : 'light') : choice;
}

function apply(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  window.dispatchEvent(new Event('foyer-theme'));
}

/** Applies the stored choice before the first render (no flash of the wrong theme). */
export function initTheme(): void {
  apply(stored());
}

export function useTheme(): { choice: ThemeChoice; effective: 'light' | 'dark'; cycle: () => void } {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  const [, rerender] = useState(0);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => rerender((n) => n + 1);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  const cycle = useCallback(() => {
    setChoice((current) => {
      const next: ThemeChoice = current === 'system' ? (systemDark() ? 'light' : 'dark') : current === 'light' ? 'dark' : 'light';
      try {
        localStorage.setItem(KEY, next);
      } catch {
        /* private mode: the choice lasts for this page */
      }
      apply(next);
      return next;
    });
  }, []);
  return { choice, effective: effectiveTheme(choice), cycle };
}

/** Chart colours read from the CSS custom properties, refreshed when the theme changes. */
export function useChartColors(): Record<'a' | 'b' | 'c' | 'd' | 'grid' | 'text', string> {
  const read = () => {
    const style = getComputedStyle(document.documentElement);
    const value = (name: string) => style.getPropertyValue(name).trim();
    return {
      a: value('--chart-a'),
      b: value('--chart-b'),
      c: value('--chart-c'),
      d: value('--chart-d'),
      grid: value('--border'),
      text: value('--muted'),
    };
  };
  const [colors, setColors] = useState(read);
  useEffect(() => {
    const update = () => setColors(read());
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    window.addEventListener('foyer-theme', update);
    media.addEventListener('change', update);
    return () => {
      window.removeEventListener('foyer-theme', update);
      media.removeEventListener('change', update);
    };
  }, []);
  return colors;
}
