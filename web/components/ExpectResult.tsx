import { useStore } from 'zustand';
import { store } from '../store.ts';

export function ExpectResult() {
  const expect = useStore(store, (s) => s.summary?.expect);
  if (!expect) return null;
  return (
    <section
      className={`panel expect ${expect.ok ? 'expect-ok' : 'expect-mismatch'}`}
      aria-labelledby="expect-heading"
      data-testid="expect-result"
      data-ok={expect.ok}
    >
      <h2 id="expect-heading">Expected outcome</h2>
      <p className="verdict">{expect.ok ? '✓ OK: the run matches the expectation' : '✗ MISMATCH'}</p>
      <dl className="expect-table">
        <dt>expected</dt>
        <dd>{listOrNone(expect.expected)}</dd>
        <dt>got</dt>
        <dd>{listOrNone(expect.got)}</dd>
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

function listOrNone(ids: string[]): string {
  return ids.length === 0 ? 'no violation' : ids.join(', ');
}
