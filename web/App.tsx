import { useStore } from 'zustand';
import { store } from './store.ts';
import { Header } from './components/Header.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { PresetList } from './components/PresetList.tsx';
import { ScenarioHeading } from './components/ScenarioHeading.tsx';
import { VariantSwitch } from './components/VariantSwitch.tsx';
import { StepList } from './components/StepList.tsx';
import { ExpectResult } from './components/ExpectResult.tsx';
import { ViolationsPanel } from './components/ViolationsPanel.tsx';
import { CountersPanel } from './components/CountersPanel.tsx';
import { SourceCard } from './components/SourceCard.tsx';

export function App() {
  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <Main />
      <footer className="app-footer">
        A model of the kernel, not the kernel: one page size, no THP, each operation reduced to the micro-steps that
        matter for lazy TLB. Every value on this page comes from the simulation; the notes explain, they do not measure.
      </footer>
    </div>
  );
}

function Main() {
  const hasTimeline = useStore(store, (s) => s.summary !== null);
  const loading = useStore(store, (s) => s.pending !== null);

  return (
    <main className="app-main" aria-busy={loading}>
      {hasTimeline ? (
        <>
          <ScenarioHeading />
          <VariantSwitch />
          <div className="layout">
            <div className="main-col">
              <StepList />
            </div>
            <div className="side-col">
              <ExpectResult />
              <ViolationsPanel />
              <CountersPanel />
              <SourceCard />
            </div>
          </div>
        </>
      ) : loading ? (
        <p className="placeholder">Running the scenario…</p>
      ) : (
        <PresetList />
      )}
    </main>
  );
}
