import { useStore } from 'zustand';
import { loadScenario, selectPickedScenario, store } from '../store.ts';

export function Header() {
  const loading = useStore(store, (s) => s.pending !== null);
  return (
    <header className="app-header">
      <p className="brand">
        <span className="brand-name">lazytlb</span>
        <span className="brand-sub">Linux lazy-TLB mm handling, modelled</span>
      </p>
      <ScenarioPicker />
      <span className="status" aria-live="polite" data-testid="status">
        {loading ? 'Running the model…' : ''}
      </span>
    </header>
  );
}

function ScenarioPicker() {
  const presets = useStore(store, (s) => s.presets);
  const status = useStore(store, (s) => s.presetsStatus);
  const picked = useStore(store, selectPickedScenario);
  const known = presets.some((p) => p.id === picked);

  return (
    <label className="field scenario-field">
      <span className="field-label">Scenario</span>
      <select
        data-testid="scenario-picker"
        value={known ? picked : ''}
        disabled={status !== 'ready'}
        onChange={(e) => {
          if (e.target.value !== '') void loadScenario(e.target.value);
        }}
      >
        <option value="" disabled>
          {status === 'loading' || status === 'idle' ? 'Loading scenarios…' : 'Choose a scenario…'}
        </option>
        {presets.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
    </label>
  );
}
