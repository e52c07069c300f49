/**
 * The Explore dialog: every interleaving of the scenario's actors, searched by a worker of its own, with progress and
 * cancel; each violated invariant with its shortest schedule, and a button that opens it on the timeline.
 */
import { useStore } from 'zustand';
import type { ExploreFinding, ExploreProgress, ExploreReport } from '../../src-sim/protocol/index.ts';
import { cancelExplore, exploreStore, openCounterexample, setExploreOpen, setExploreSettings, startExplore } from '../explore/state.ts';
import { store } from '../store.ts';
import { useModal } from './useModal.ts';

const fmt = new Intl.NumberFormat('en');

export function ExploreDialog() {
  const open = useStore(exploreStore, (s) => s.open);
  const dialog = useModal(open);
  return (
    <dialog ref={dialog} className="explore-dialog" aria-labelledby="explore-title" onClose={() => setExploreOpen(false)} data-testid="explore-dialog">
      {open ? <ExploreBody /> : null}
    </dialog>
  );
}

function ExploreBody() {
  const status = useStore(exploreStore, (s) => s.status);
  const target = useStore(exploreStore, (s) => s.target);
  const onScreen = useStore(store, (s) => (s.summary ? `${s.summary.title} — ${s.summary.variant}` : null));
  const running = status === 'running';
  return (
    <>
      <h2 id="explore-title">Explore every interleaving</h2>
      <p className="hint explore-what">
        Each CPU keeps its own steps in order (and so does each MMU and device); the explorer tries every order of their
        micro-steps, including when each pending IPI is taken, and reports every invariant some order violates, with a
        shortest schedule. The scenario&apos;s own schedule (<code>until</code>, <code>continue</code>) is dropped.
      </p>
      <p className="explore-target" data-testid="explore-target">
        {target ? target.title : onScreen ?? 'Nothing is on screen to explore.'}
      </p>
      <Settings disabled={running} />
      <div className="dialog-buttons explore-buttons">
        {running ? (
          <button type="button" className="button" onClick={() => cancelExplore()} data-testid="explore-cancel">
            Cancel
          </button>
        ) : (
          <button type="button" className="button" onClick={() => void startExplore()} disabled={!onScreen} data-testid="explore-start">
            {status === 'idle' ? 'Explore' : 'Explore again'}
          </button>
        )}
        <button type="button" className="button" onClick={() => setExploreOpen(false)}>
          Close
        </button>
      </div>
      <Status />
      <Results />
    </>
  );
}

function Settings({ disabled }: { disabled: boolean }) {
  const settings = useStore(exploreStore, (s) => s.settings);
  return (
    <fieldset className="explore-settings" disabled={disabled}>
      <label className="field">
        <span className="field-label">At most</span>
        <input
          type="number"
          min={1000}
          max={5_000_000}
          step={1000}
          value={settings.maxStates}
          onChange={(e) => {
            const n = Math.round(Number(e.target.value));
            if (Number.isFinite(n) && n >= 1) setExploreSettings({ maxStates: Math.min(n, 5_000_000) });
          }}
          data-testid="explore-max-states"
        />
        <span className="hint">distinct states</span>
      </label>
      <label className="field">
        <span className="field-label">Search</span>
        <select value={settings.order} onChange={(e) => setExploreSettings({ order: e.target.value as 'bfs' | 'dfs' })} data-testid="explore-order">
          <option value="bfs">breadth-first (shortest schedules)</option>
          <option value="dfs">depth-first (less memory)</option>
        </select>
      </label>
      <label className="field">
        <span className="field-label">Hardware</span>
        <input
          type="number"
          min={0}
          max={8}
          value={settings.hardware}
          onChange={(e) => {
            const n = Math.round(Number(e.target.value));
            if (Number.isFinite(n)) setExploreSettings({ hardware: Math.max(0, Math.min(8, n)) });
          }}
          data-testid="explore-hardware"
        />
        <span className="hint">speculative walks or device accesses at any point</span>
      </label>
    </fieldset>
  );
}

function Status() {
  const status = useStore(exploreStore, (s) => s.status);
  const progress = useStore(exploreStore, (s) => s.progress);
  const error = useStore(exploreStore, (s) => s.error);
  const max = useStore(exploreStore, (s) => s.settings.maxStates);
  if (status === 'running') return <Progress progress={progress} maxStates={max} />;
  if (status === 'cancelled')
    return (
      <p role="status" className="explore-status" data-testid="explore-status">
        Cancelled{progress ? ` after ${fmt.format(progress.states)} states` : ''}.
      </p>
    );
  if (status === 'failed')
    return (
      <p role="status" className="explore-status bad-text" data-testid="explore-status">
        The search failed: {error}
      </p>
    );
  return null;
}

function Progress({ progress, maxStates }: { progress: ExploreProgress | null; maxStates: number }) {
  const states = progress?.states ?? 0;
  const rate = progress && progress.ms > 0 ? (1000 * progress.states) / progress.ms : 0;
  // A search ends when it runs out of new states or meets the bound; only the bound is known in advance.
  const left = rate > 0 ? Math.max(0, (maxStates - states) / rate) : null;
  return (
    <div className="explore-progress" role="status" data-testid="explore-progress" data-states={states}>
      <progress value={states} max={maxStates} aria-label="States searched, of the bound" />
      <span>
        {progress ? (
          <>
            {fmt.format(states)} states · {fmt.format(progress.transitions)} transitions · {fmt.format(Math.round(rate))} states/s · depth {progress.depth}
            {left !== null ? ` · at most ${left < 60 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`} left` : ''}
          </>
        ) : (
          'Starting…'
        )}
      </span>
    </div>
  );
}

function Results() {
  const report = useStore(exploreStore, (s) => s.report);
  const status = useStore(exploreStore, (s) => s.status);
  if (!report || status !== 'done') return null;
  return (
    <section className="explore-results" aria-label="What the search found" data-testid="explore-results">
      <p className="explore-summary" data-testid="explore-summary">
        <Verdict report={report} />
      </p>
      {report.violations.length ? (
        <ol className="explore-findings">
          {report.violations.map((f, i) => (
            <Finding key={f.id} finding={f} index={i} />
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function Verdict({ report }: { report: ExploreReport }) {
  const size = `${fmt.format(report.states)} distinct states, ${fmt.format(report.transitions)} transitions, ${(report.ms / 1000).toFixed(1)} s (${fmt.format(report.statesPerSec)} states/s)`;
  const n = report.violations.length;
  if (report.exhaustive)
    return n ? (
      <>
        <b>Every interleaving searched</b> ({size}): {n} invariant{n > 1 ? 's' : ''} can be violated.
      </>
    ) : (
      <>
        <b className="good-text">No interleaving violates any invariant</b> ({size}).
      </>
    );
  return (
    <>
      <b>Not exhaustive:</b> stopped at {report.bound} ({size}).{' '}
      {n ? `${n} invariant${n > 1 ? 's' : ''} violated in what was searched.` : 'No violation in what was searched; raise the bound to search further.'}
    </>
  );
}

function Finding({ finding, index }: { finding: ExploreFinding; index: number }) {
  const titles = useStore(store, (s) => s.summary?.invariants);
  return (
    <li className="explore-finding" data-testid="explore-finding" data-id={finding.id}>
      <p>
        <span className="violation-tag">{finding.id}</span> {titles?.[finding.id] ? <b>{titles[finding.id]}</b> : null}
      </p>
      <p className="explore-message">{finding.message}</p>
      <p className="hint">
        After {finding.schedule.length} moves, at <code>{finding.at}</code>.
      </p>
      <details>
        <summary>The schedule</summary>
        <ol className="explore-schedule">
          {finding.schedule.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ol>
      </details>
      <button
        type="button"
        className="button"
        disabled={!finding.counterexample}
        title={finding.counterexample ? 'Load this schedule as a scenario and step through it' : 'This schedule cannot be written as a scenario file yet'}
        onClick={() => void openCounterexample(index)}
        data-testid="explore-open"
      >
        Open on the timeline
      </button>
    </li>
  );
}
