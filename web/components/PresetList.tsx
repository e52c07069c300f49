import { useStore } from 'zustand';
import { loadScenario, store } from '../store.ts';

/** The first screen when no scenario is open: every preset, with what it shows. */
export function PresetList() {
  const presets = useStore(store, (s) => s.presets);
  const status = useStore(store, (s) => s.presetsStatus);

  if (status !== 'ready') {
    return <p className="placeholder">{status === 'failed' ? 'No scenarios to show.' : 'Loading scenarios…'}</p>;
  }
  return (
    <section aria-labelledby="presets-heading" className="preset-section">
      <h1 id="presets-heading">Scenarios</h1>
      <ul className="preset-list" data-testid="preset-list">
        {presets.map((p) => (
          <li key={p.id} data-preset={p.id}>
            <button type="button" className="preset-card" onClick={() => void loadScenario(p.id)}>
              <span className="preset-title">{p.title}</span>
              <span className="preset-meta">
                <code>{p.id}</code> · arch {p.arch} · {p.variants.length} {p.variants.length === 1 ? 'variant' : 'variants'}
              </span>
              <span className="preset-summary">{p.summary}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
