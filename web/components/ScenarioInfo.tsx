import { useStore } from 'zustand';
import { store } from '../store.ts';
import type { SourceInfo } from '../../src-sim/timeline/summary.ts';

export function ScenarioInfo() {
  const title = useStore(store, (s) => s.summary?.title ?? '');
  const id = useStore(store, (s) => s.summary?.scenarioId ?? '');
  const arch = useStore(store, (s) => s.summary?.arch ?? '');
  const text = useStore(store, (s) => s.summary?.summary ?? '');
  const source = useStore(store, (s) => s.summary?.source);
  const variant = useStore(store, (s) => s.summary?.variants.find((v) => v.name === s.summary?.variant));

  return (
    <section className="panel scenario-info" aria-labelledby="scenario-title">
      <h2 id="scenario-title">{title}</h2>
      <p className="meta">
        <code>{id}</code> · arch {arch}
        {variant ? <> · variant {variant.label}</> : null}
      </p>
      <p>{text}</p>
      {variant?.explanation ? <p className="variant-explanation">{variant.explanation}</p> : null}
      {source ? <Citation source={source} /> : null}
    </section>
  );
}

function Citation({ source }: { source: SourceInfo }) {
  const archive = source.archive && /^https?:\/\//.test(source.archive) ? source.archive : undefined;
  return (
    <p className="citation">
      Source: “{source.subject}”, {source.authors.join(', ')}, {source.date}
      {archive ? (
        <>
          {' · '}
          <a href={archive} target="_blank" rel="noreferrer noopener">
            archive
          </a>
        </>
      ) : null}
    </p>
  );
}
