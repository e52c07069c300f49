/** Which glossary entry is open (as a popover beside the word that opened it), and whether the full list is. */
import { createStore } from 'zustand/vanilla';

export interface GlossaryState {
  /** The open entry and the element that opened it (focus returns there when it closes). */
  open: { id: string; anchor: HTMLElement | null } | null;
  panel: boolean;
}

export const glossary = createStore<GlossaryState>(() => ({ open: null, panel: false }));

export function openTerm(id: string, anchor: HTMLElement | null): void {
  glossary.setState({ open: { id, anchor } });
}

export function closeTerm(): void {
  const open = glossary.getState().open;
  if (!open) return;
  glossary.setState({ open: null });
  if (open.anchor?.isConnected) open.anchor.focus();
}

export function setGlossaryPanel(panel: boolean): void {
  glossary.setState({ panel, open: null });
}
