/**
 * A glossary term where it appears: a button that opens its entry beside it (keyboard reachable; Escape closes and
 * returns here). `Glossed` renders running text with the first occurrence of each term linked.
 */
import type { ReactNode } from 'react';
import { glossSegments } from '../glossary/segments.ts';
import { termById } from '../glossary/terms.ts';
import { openTerm } from '../glossary/state.ts';

export function Term({ id, children }: { id: string; children: ReactNode }) {
  const term = termById(id);
  if (!term) return <>{children}</>;
  return (
    <button
      type="button"
      className="term"
      data-term={id}
      aria-haspopup="dialog"
      title={`What is ${term.term}?`}
      onClick={(e) => {
        e.stopPropagation();
        openTerm(id, e.currentTarget);
      }}
    >
      {children}
    </button>
  );
}

/** Text with its glossary terms linked (the first occurrence of each; `linked` carries over between texts). */
export function Glossed({ text, linked }: { text: string; linked?: Set<string> }) {
  return (
    <>
      {glossSegments(text, linked).map((s, i) =>
        typeof s === 'string' ? (
          s
        ) : (
          <Term key={i} id={s.id}>
            {s.text}
          </Term>
        ),
      )}
    </>
  );
}
