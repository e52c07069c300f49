import { useStore } from 'zustand';
import { store } from '../store.ts';
import { isWebUrl, loreUrl } from '../format.ts';

/** Where the scenario comes from: the mailing-list thread it replays, and what came of it. */
export function SourceCard() {
  const source = useStore(store, (s) => s.summary?.source);
  if (!source) return null;
  const archive = isWebUrl(source.archive) ? source.archive : undefined;

  return (
    <section className="panel source" aria-labelledby="source-heading" data-testid="source-card">
      <h2 id="source-heading">Source thread</h2>
      <p className="source-subject">“{source.subject}”</p>
      <dl className="source-table">
        <dt>date</dt>
        <dd>{source.date}</dd>
        <dt>{source.authors.length === 1 ? 'author' : 'authors'}</dt>
        <dd>{source.authors.join(', ')}</dd>
        {archive ? (
          <>
            <dt>archive</dt>
            <dd>
              <a href={archive} target="_blank" rel="noreferrer noopener" data-testid="archive-link">
                {archive.replace(/^https?:\/\//, '')}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      {source.outcome ? (
        <p className="source-outcome">
          <strong>Outcome:</strong> {source.outcome}
        </p>
      ) : null}
      {source.positions && source.positions.length > 0 ? (
        <details className="positions">
          <summary>Who argued what ({source.positions.length})</summary>
          <dl>
            {source.positions.map((p, i) => (
              <div key={i}>
                <dt>{p.who}</dt>
                <dd>{p.said}</dd>
              </div>
            ))}
          </dl>
        </details>
      ) : null}
      {source.messageIds.length > 0 ? (
        <details className="message-ids" open>
          <summary>Message-IDs ({source.messageIds.length})</summary>
          <ul>
            {source.messageIds.map((id) => (
              <li key={id}>
                <a href={loreUrl(id)} target="_blank" rel="noreferrer noopener">
                  <code>{id}</code>
                </a>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <p className="hint">The scenario's narration paraphrases the thread in our own words.</p>
    </section>
  );
}
