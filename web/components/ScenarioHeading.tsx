import { useStore } from 'zustand';
import { store } from '../store.ts';

/** The scenario's title, id and architecture, and its summary: what the audience reads first. */
export function ScenarioHeading() {
  const title = useStore(store, (s) => s.summary?.title ?? '');
  const id = useStore(store, (s) => s.summary?.scenarioId ?? '');
  const arch = useStore(store, (s) => s.summary?.arch ?? '');
  const text = useStore(store, (s) => s.summary?.summary ?? '');

  return (
    <section className="scenario-heading" aria-labelledby="scenario-title" data-testid="scenario-heading">
      <h1 id="scenario-title">{title}</h1>
      <p className="meta">
        <code>{id}</code> · arch <strong>{arch}</strong>
      </p>
      <p className="scenario-summary">{text}</p>
    </section>
  );
}
