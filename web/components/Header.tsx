import { useStore } from 'zustand';
import { loadScenario, selectPickedScenario, setHelpOpen, setPresenting, setTheme, store } from '../store.ts';
import { OpenScenario } from '../views/OpenScenario.tsx';
import { PresetOptions } from './PresetOptions.tsx';
import { setGlossaryPanel } from '../glossary/state.ts';
import { setExploreOpen } from '../explore/state.ts';

export function Header() {
  const loading = useStore(store, (s) => s.pending !== null);
  const progress = useStore(store, (s) => s.progress);
  return (
    <header className="app-header">
      <p className="brand">
        <span className="brand-name">lazytlb</span>
        <span className="brand-sub">Linux lazy-TLB mm handling, modelled</span>
      </p>
      <ScenarioPicker />
      <span className="status" aria-live="polite" data-testid="status">
        {loading ? `Running the model…${progress ? ` ${Math.floor((100 * progress.done) / Math.max(1, progress.total))}%` : ''}` : ''}
      </span>
      <HeaderButtons />
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
        <PresetOptions presets={presets} />
      </select>
    </label>
  );
}

function HeaderButtons() {
  const theme = useStore(store, (s) => s.theme);
  const hasTimeline = useStore(store, (s) => s.summary !== null);
  return (
    <div className="header-buttons">
      <OpenScenario />
      <label className="field theme-field">
        <span className="field-label">Theme</span>
        <select value={theme} onChange={(e) => setTheme(e.target.value as typeof theme)} data-testid="theme">
          <option value="auto">system</option>
          <option value="light">light</option>
          <option value="dark">dark</option>
        </select>
      </label>
      <button
        type="button"
        className="button"
        onClick={() => setExploreOpen(true)}
        disabled={!hasTimeline}
        data-testid="explore-button"
        title="Try every interleaving of this scenario's CPUs (X)"
      >
        Explore <kbd>X</kbd>
      </button>
      <button type="button" className="button" onClick={() => setPresenting(true)} disabled={!hasTimeline} data-testid="present">
        Present <kbd>P</kbd>
      </button>
      <button type="button" className="button" onClick={() => setGlossaryPanel(true)} data-testid="glossary-button" title="What the words mean (G)">
        Glossary
      </button>
      <button type="button" className="button" onClick={() => setHelpOpen(true)} aria-label="Keyboard help" data-testid="help-button">
        ?
      </button>
    </div>
  );
}
