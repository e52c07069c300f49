import { useStore } from 'zustand';
import type { PresetInfo } from '../../src-sim/protocol/index.ts';
import { BASICS_ID, loadScenario, store } from '../store.ts';

/**
 * The first screen when no scenario is open: the basics as the place to start, then the threads, each saying which
 * of the basics' steps it builds on.
 */
export function PresetList() {
  const presets = useStore(store, (s) => s.presets);
  const status = useStore(store, (s) => s.presetsStatus);

  if (status !== 'ready') {
    return <p className="placeholder">{status === 'failed' ? 'No scenarios to show.' : 'Loading scenarios…'}</p>;
  }
  const basics = presets.find((p) => p.id === BASICS_ID);
  const threads = presets.filter((p) => p !== basics);
  return (
    <section aria-labelledby="presets-heading" className="preset-section">
      <h1 id="presets-heading">Scenarios</h1>
      <ul className="preset-list" data-testid="preset-list">
        {basics ? (
          <li data-preset={basics.id} className="is-start">
            <p className="preset-kicker">New to lazy TLB? Start here</p>
            <Card p={basics} />
          </li>
        ) : null}
        {threads.length ? <li className="preset-group" aria-hidden="true">The five mailing-list threads</li> : null}
        {threads.map((p) => (
          <li key={p.id} data-preset={p.id}>
            <Card p={p} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Card({ p }: { p: PresetInfo }) {
  return (
    <button type="button" className="preset-card" onClick={() => void loadScenario(p.id)}>
      <span className="preset-title">{p.title}</span>
      <span className="preset-meta">
        <code>{p.id}</code> · arch {p.arch} · {p.variants.length} {p.variants.length === 1 ? 'variant' : 'variants'}
      </span>
      <span className="preset-summary">{p.summary}</span>
      {p.basics ? <span className="preset-basics">↳ {p.basics}</span> : null}
    </button>
  );
}
