/**
 * The glossary in the app: one entry as a popover beside the term that opened it, and the full list as a dialog
 * (the Glossary button, or `g`). The text is web/glossary/terms.ts, the same as docs/glossary.md.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { TERMS, termById, type Term } from '../glossary/terms.ts';
import { closeTerm, glossary, setGlossaryPanel } from '../glossary/state.ts';
import { useModal } from './useModal.ts';

const WIDTH = 380;

export function GlossaryPopover() {
  const open = useStore(glossary, (s) => s.open);
  const box = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);
  const term = open ? termById(open.id) : undefined;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (!term) {
      if (el.matches(':popover-open')) el.hidePopover();
      return;
    }
    if (!el.matches(':popover-open')) el.showPopover();
    // Beside the word: below it, or above when there is no room; kept inside the window.
    const a = open?.anchor?.getBoundingClientRect();
    const h = el.offsetHeight;
    const left = Math.max(8, Math.min(innerWidth - WIDTH - 8, (a?.left ?? innerWidth / 2) - 12));
    const below = (a?.bottom ?? 80) + 6;
    const top = below + h <= innerHeight - 8 ? below : Math.max(8, (a?.top ?? 80) - h - 6);
    setPos({ left, top });
    el.querySelector<HTMLElement>('.glossary-close')?.focus();
  }, [term, open]);

  // Light dismiss (a click elsewhere, Escape) closes the popover itself: keep the state in step.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onToggle = (e: Event) => {
      if ((e as ToggleEvent).newState === 'closed' && glossary.getState().open) closeTerm();
    };
    el.addEventListener('toggle', onToggle);
    return () => el.removeEventListener('toggle', onToggle);
  }, []);

  return (
    <div
      ref={box}
      popover="auto"
      role="dialog"
      aria-labelledby="glossary-term"
      className="glossary-popover"
      data-testid="glossary-popover"
      style={{ width: WIDTH, ...(pos ?? {}) }}
    >
      {term ? <Entry term={term} headingId="glossary-term" /> : null}
      <div className="glossary-actions">
        <button type="button" className="mini-button" onClick={() => setGlossaryPanel(true)}>
          All terms
        </button>
        <button type="button" className="mini-button glossary-close" onClick={closeTerm}>
          Close
        </button>
      </div>
    </div>
  );
}

function Entry({ term, headingId }: { term: Term; headingId?: string }) {
  return (
    <>
      <h3 id={headingId} className="glossary-term-title">
        {term.term}
      </h3>
      <p>{term.meaning}</p>
      <p className="hint">
        <b>In the kernel:</b> {term.kernel}
      </p>
      <p className="hint">
        <b>In the app:</b> {term.shown}
      </p>
    </>
  );
}

export function GlossaryPanel() {
  const open = useStore(glossary, (s) => s.panel);
  const dialog = useModal(open);
  return (
    <dialog ref={dialog} className="glossary-panel" aria-labelledby="glossary-title" onClose={() => setGlossaryPanel(false)} data-testid="glossary-panel">
      <h2 id="glossary-title">Glossary</h2>
      <p className="hint">The words of lazy TLB as the app uses them. Every term is also a link where it appears.</p>
      {open
        ? TERMS.map((t) => (
            <section key={t.id} className="glossary-entry" data-term={t.id}>
              <Entry term={t} />
            </section>
          ))
        : null}
      <button type="button" className="button" onClick={() => setGlossaryPanel(false)} autoFocus>
        Close
      </button>
    </dialog>
  );
}
