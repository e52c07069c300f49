import { useStore } from 'zustand';
import { store } from '../store.ts';
import { idsOrNone } from '../format.ts';

/** Whether the run did what the scenario's `expect` says this variant does. */
export function ExpectResult() {
  const expect = useStore(store, (s) => s.summary?.expect);
  if (!expect) return null;
  const buggy = expect.expected.length > 0;
  return (
    <section
      className={`panel expect ${expect.ok ? 'expect-ok' : 'expect-mismatch'}`}
      aria-labelledby="expect-heading"
      data-testid="expect-result"
      data-ok={expect.ok}
    >
      <h2 id="expect-heading">Expected outcome</h2>
      <p className="verdict">
        {expect.ok ? (
          <>
            <span aria-hidden="true">✓ </span>OK: {buggy ? 'the bug shows, as expected' : 'nothing breaks, as expected'}
          </>
        ) : (
          <>
            <span aria-hidden="true">✗ </span>MISMATCH: the run differs from what the scenario expects
          </>
        )}
      </p>
      <dl className="expect-table">
        <dt>expected</dt>
        <dd>{idsOrNone(expect.expected)}</dd>
        <dt>got</dt>
        <dd>{idsOrNone(expect.got)}</dd>
      </dl>
      {expect.mismatches.length > 0 ? (
        <ul className="mismatches">
          {expect.mismatches.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
