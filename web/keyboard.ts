/**
 * Keyboard: arrows step by operation (shift: by micro-step), space plays, Home/End, `[`/`]` jump between violations,
 * PageUp/PageDown (a presentation clicker) step by operation, W/S zoom and A/D pan the lanes, `p` presentation mode,
 * `t` theme, `x` explore, `g` glossary, `?` help, Escape closes overlays. Keys typed into a form field are left alone.
 */
import { jumpEnd, jumpViolation, stepMicro, stepOperation, togglePlay } from './playback.ts';
import { panWindow, setHelpOpen, setPresenting, setTheme, store, zoomWindow } from './store.ts';
import { stepDeck } from './deck-actions.ts';
import { closeTerm, glossary, setGlossaryPanel } from './glossary/state.ts';
import { setExploreOpen } from './explore/state.ts';

export const KEYS: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: '→ / ←', what: 'next / previous operation (step)' },
  { keys: 'Shift + → / ←', what: 'next / previous micro-step' },
  { keys: 'PageDown / PageUp', what: 'presentation clicker: next / previous stop of the talk deck, or operation without a deck' },
  { keys: 'N', what: 'speaker notes on / off (presentation mode)' },
  { keys: 'Space', what: 'play / pause' },
  { keys: 'Home / End', what: 'initial state / final state' },
  { keys: '] / [', what: 'next / previous violation' },
  { keys: 'W / S', what: 'zoom the lanes in / out' },
  { keys: 'A / D', what: 'pan the lanes left / right' },
  { keys: 'P', what: 'presentation mode on / off' },
  { keys: 'T', what: 'light / dark theme' },
  { keys: 'X', what: 'explore every interleaving of the scenario on screen (the Explore dialog)' },
  { keys: 'G', what: 'the glossary: what each term means (every term on the page is also a link)' },
  { keys: '?', what: 'this help' },
  { keys: 'Esc', what: 'close a glossary entry or help, leave presentation mode' },
];

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || target.isContentEditable) return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return type !== 'radio' && type !== 'checkbox' && type !== 'range' && type !== 'button';
  }
  return tag === 'SELECT';
}

export function handleKey(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;
  // Space on a focused button or link presses it.
  if (e.key === ' ' && e.target instanceof HTMLElement && /^(BUTTON|A|SUMMARY)$/.test(e.target.tagName)) return false;
  const s = store.getState();
  const g = glossary.getState();
  if (e.key === 'Escape') {
    if (g.open) closeTerm();
    else if (g.panel) setGlossaryPanel(false);
    else if (s.helpOpen) setHelpOpen(false);
    else if (s.presenting) setPresenting(false);
    else return false;
    return true;
  }
  if (e.key === '?') {
    setHelpOpen(!s.helpOpen);
    return true;
  }
  if (e.key === 'g' || e.key === 'G') {
    setGlossaryPanel(!g.panel);
    return true;
  }
  if (e.key === 'PageDown' && !s.summary && stepDeck(1)) return true;
  if (!s.summary) return false;
  // On a range input the arrows move the scrubber itself.
  if ((e.target as HTMLInputElement | null)?.type === 'range' && e.key.startsWith('Arrow')) return false;
  switch (e.key) {
    case 'ArrowRight':
      e.shiftKey ? stepMicro(1) : stepOperation(1);
      return true;
    case 'ArrowLeft':
      e.shiftKey ? stepMicro(-1) : stepOperation(-1);
      return true;
    case 'PageDown':
      if (!stepDeck(1)) stepOperation(1);
      return true;
    case 'PageUp':
      if (!stepDeck(-1)) stepOperation(-1);
      return true;
    case 'n':
    case 'N':
      store.setState({ notesShown: !s.notesShown });
      return true;
    case ' ':
      togglePlay();
      return true;
    case 'Home':
      jumpEnd('start');
      return true;
    case 'End':
      jumpEnd('end');
      return true;
    case ']':
      jumpViolation(1);
      return true;
    case '[':
      jumpViolation(-1);
      return true;
    case 'w':
    case 'W':
      zoomWindow(0.6);
      return true;
    case 's':
    case 'S':
      zoomWindow(1 / 0.6);
      return true;
    case 'a':
    case 'A':
      panWindow(-0.25);
      return true;
    case 'd':
    case 'D':
      panWindow(0.25);
      return true;
    case 'p':
    case 'P':
      setPresenting(!s.presenting);
      return true;
    case 'x':
    case 'X':
      setExploreOpen(true);
      return true;
    case 't':
    case 'T':
      setTheme(s.theme === 'dark' || (s.theme === 'auto' && window.matchMedia('(prefers-color-scheme: dark)').matches) ? 'light' : 'dark');
      return true;
    default:
      return false;
  }
}

export function startKeyboard(): () => void {
  const listener = (e: KeyboardEvent) => {
    if (handleKey(e)) e.preventDefault();
  };
  window.addEventListener('keydown', listener);
  return () => window.removeEventListener('keydown', listener);
}
