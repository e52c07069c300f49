import { useEffect } from 'react';
import { useStore } from 'zustand';
import { BASICS_ID, loadScenario, store } from './store.ts';
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
import { Controls } from './views/Controls.tsx';
import { Narration } from './views/Narration.tsx';
import { Lanes } from './views/Lanes.tsx';
import { TlbGrids } from './views/TlbGrids.tsx';
import { Inspector } from './views/Inspector.tsx';
import { HelpOverlay } from './views/HelpOverlay.tsx';
import { ExploreDialog } from './views/ExploreDialog.tsx';
import { TraceDialog } from './views/TraceDialog.tsx';
import { Boundary } from './views/Boundary.tsx';
import { CompareBar } from './views/CompareBar.tsx';
import { DeckFooter, DeckPanel } from './views/DeckPanel.tsx';
import { GlossaryPanel, GlossaryPopover } from './views/Glossary.tsx';
import { Glossed } from './views/Term.tsx';

export function App() {
  const presenting = useStore(store, (s) => s.presenting);
  const theme = useStore(store, (s) => s.theme);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'auto') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);

  return (
    <div className={`app${presenting ? ' is-presenting' : ''}`} data-testid="app" data-presenting={presenting ? 'true' : 'false'}>
      {presenting ? null : <Header />}
      <ErrorBanner />
      <Main />
      {presenting ? null : (
        <footer className="app-footer">
          A model of the kernel, not the kernel: one page size, no THP, each operation reduced to the micro-steps that
          matter for lazy TLB. Every value on this page comes from the simulation; the notes explain, they do not measure.
        </footer>
      )}
      {presenting ? <DeckFooter /> : null}
      <HelpOverlay />
      <ExploreDialog />
      <TraceDialog />
      <GlossaryPopover />
      <GlossaryPanel />
    </div>
  );
}

function Main() {
  const hasTimeline = useStore(store, (s) => s.summary !== null);
  const summary = useStore(store, (s) => s.summary);
  const loading = useStore(store, (s) => s.pending !== null);
  const presenting = useStore(store, (s) => s.presenting);

  return (
    <main className="app-main" aria-busy={loading}>
      {hasTimeline ? (
        <>
          <div className="workspace">
            <div className="stage">
              <Boundary what="scenario heading and controls" resetOn={summary}>
                <ScenarioHeading />
                <Controls />
              </Boundary>
              <Boundary what="lanes" resetOn={summary}>
                <Lanes />
              </Boundary>
              <Boundary what="compared variant" resetOn={summary}>
                <CompareBar />
              </Boundary>
            </div>
            <aside className="side" aria-label="At the playhead">
              <Boundary what="narration, TLBs and state" resetOn={summary}>
                <Narration />
                <TlbGrids />
                {presenting ? null : <Inspector />}
              </Boundary>
            </aside>
          </div>
          {presenting ? null : (
            <Boundary what="step list and details" resetOn={summary}>
            <div className="details">
              <ScenarioAbout />
              <DeckPanel />
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
            </div>
            </Boundary>
          )}
        </>
      ) : loading ? (
        <p className="placeholder">Running the scenario…</p>
      ) : (
        <PresetList />
      )}
    </main>
  );
}

function ScenarioAbout() {
  const id = useStore(store, (s) => s.summary?.scenarioId ?? '');
  const text = useStore(store, (s) => s.summary?.summary ?? '');
  const basics = useStore(store, (s) => s.summary?.basics ?? '');
  return (
    <section className="about" aria-label="About this scenario">
      <p className="scenario-summary">
        <Glossed text={text} /> <code className="hint">{id}</code>
      </p>
      {basics ? <BasicsLine text={basics} /> : null}
    </section>
  );
}

/** Which steps of the basics a thread preset builds on, with the way there. */
export function BasicsLine({ text }: { text: string }) {
  return (
    <p className="basics-line" data-testid="basics-line">
      <span aria-hidden="true">↳ </span>
      {text}{' '}
      <button type="button" className="link-button" onClick={() => void loadScenario(BASICS_ID)}>
        Open the basics
      </button>
    </p>
  );
}
