import { useStore } from 'zustand';
import {
  loadScenario,
  selectPickedScenario,
  selectPickedVariant,
  selectVariants,
  store,
} from '../store.ts';

export function Header() {
  const loading = useStore(store, (s) => s.pending !== null);
  return (
    <header className="app-header">
      <h1 className="brand">
        lazytlb <span className="brand-sub">Linux lazy-TLB mm handling</span>
      </h1>
      <div className="controls">
        <ScenarioPicker />
        <VariantSwitch />
        <span className="status" aria-live="polite">
          {loading ? 'Running…' : ''}
        </span>
      </div>
    </header>
  );
}

function ScenarioPicker() {
  const presets = useStore(store, (s) => s.presets);
  const status = useStore(store, (s) => s.presetsStatus);
  const picked = useStore(store, selectPickedScenario);
  const known = presets.some((p) => p.id === picked);

  return (
    <label className="field">
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

function VariantSwitch() {
  const variants = useStore(store, selectVariants);
  const picked = useStore(store, selectPickedVariant);
  const scenario = useStore(store, selectPickedScenario);
  if (variants.length === 0) return null;

  return (
    <fieldset className="variant-switch" data-testid="variant-switch">
      <legend className="field-label">Variant</legend>
      {variants.map((v) => (
        <label key={v.name} className="variant-option" title={v.explanation}>
          <input
            type="radio"
            name="variant"
            value={v.name}
            checked={picked === v.name}
            onChange={() => void loadScenario(scenario, v.name)}
          />
          <span>{v.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
