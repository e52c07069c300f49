import { useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { store } from '../store.ts';
import { DARK, LIGHT, type Theme } from '../layout/palette.ts';

const query = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : null;

function subscribe(fn: () => void): () => void {
  query?.addEventListener('change', fn);
  return () => query?.removeEventListener('change', fn);
}

/** The colours in force: the user's choice, else the system's. */
export function useTheme(): Theme {
  const choice = useStore(store, (s) => s.theme);
  const systemDark = useSyncExternalStore(subscribe, () => query?.matches ?? false);
  const dark = choice === 'dark' || (choice === 'auto' && systemDark);
  return dark ? DARK : LIGHT;
}
