import { memo, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { seek, store } from '../store.ts';
import { stepAt } from '../position.ts';
import { findingsByStep, type Counters, type StepInfo, type ViolationInfo } from '../../src-sim/protocol/index.ts';
import { actorList, actorName, counterLine, eventKind, invariantTitle, stepAnchor, stepName, whereIn } from '../format.ts';

const NO_STEPS: StepInfo[] = [];
const NO_FINDINGS: ViolationInfo[] = [];
const NO_COUNTERS: Counters[] = [];
const NO_TITLES: Record<string, string> = {};
/** Most step rows in the DOM at once. */
const MAX_ROWS = 300;

/** Outcome words; the symbol is decoration, the word carries the meaning. */
const OUTCOME: Record<StepInfo['outcome'], { mark: string; word: string }> = {
  done: { mark: '', word: 'done' },
  paused: { mark: '‖', word: 'paused' },
  blocked: { mark: '⋯', word: 'blocked' },
  refused: { mark: '⊘', word: 'refused' },
  skipped: { mark: '–', word: 'not in this variant' },
  running: { mark: '›', word: 'in flight' },
};

interface Findings {
  violations: ViolationInfo[];
  warnings: ViolationInfo[];
}


export function StepList() {
  const steps = useStore(store, (s) => s.summary?.steps ?? NO_STEPS);
  const violations = useStore(store, (s) => s.summary?.violations ?? NO_FINDINGS);
  const warnings = useStore(store, (s) => s.summary?.warnings ?? NO_FINDINGS);
  const counters = useStore(store, (s) => s.summary?.counters ?? NO_COUNTERS);

  const { setup, schedule } = useMemo(
    () => ({ setup: steps.filter((s) => s.setup), schedule: steps.filter((s) => !s.setup) }),
    [steps],
  );
  // A long run lists the steps around the playhead only (the DOM of 200,000 rows would stall the page); the list
  // follows the playhead once it rests (a quarter second): scrubbing across a long run would otherwise rebuild the
  // rows at every frame. Presets are far below the limit and list everything.
  const focus = useRestingStep(steps, schedule.length > MAX_ROWS);
  const shown = useMemo(() => {
    if (schedule.length <= MAX_ROWS) return { rows: schedule, before: 0, after: 0 };
    // Scheduled steps follow the setup steps in index order: the focus step's place in the schedule is direct.
    const at = Math.max(0, Math.min(schedule.length - 1, focus - setup.length));
    // The window moves in jumps of a third of its size, so scrubbing rarely re-mounts rows.
    const jump = MAX_ROWS / 3;
    const from = Math.max(0, Math.min(Math.floor((at - MAX_ROWS / 2) / jump) * jump, schedule.length - MAX_ROWS));
    return { rows: schedule.slice(from, from + MAX_ROWS), before: from, after: schedule.length - from - MAX_ROWS };
  }, [schedule, focus]);
  const violationsAt = useMemo(() => findingsByStep(violations), [violations]);
  const warningsAt = useMemo(() => findingsByStep(warnings), [warnings]);
  const setupViolated = setup.some((s) => violationsAt.has(s.index));

  // One findings object per step, kept across renders, so that memoised rows stay memoised while the playhead moves.
  const findingsCache = useMemo(() => new Map<number, Findings>(), [violationsAt, warningsAt]);
  const findingsOf = (index: number): Findings => {
    let f = findingsCache.get(index);
    if (!f) {
      f = { violations: violationsAt.get(index) ?? NO_FINDINGS, warnings: warningsAt.get(index) ?? NO_FINDINGS };
      findingsCache.set(index, f);
    }
    return f;
  };
  const row = (step: StepInfo) => (
    <StepRow
      key={step.index}
      step={step}
      counters={counters[step.index]}
      findings={findingsOf(step.index)}
    />
  );

  return (
    <section className="panel steps" aria-labelledby="steps-heading" data-testid="step-list">
      <h2 id="steps-heading">
        Steps <span className="hint">({schedule.length})</span>
      </h2>
      {setup.length > 0 ? (
        <details className="setup-steps" data-testid="setup-steps" open={setupViolated || undefined}>
          <summary>
            Setup: {setup.length} {setup.length === 1 ? 'operation builds' : 'operations build'} the starting state
            {setupViolated ? <strong className="bad-text"> (✗ a violation happened here)</strong> : null}
          </summary>
          <ol className="step-rows">{setup.slice(0, MAX_ROWS).map(row)}</ol>
          {setup.length > MAX_ROWS ? <p className="hint">… and {setup.length - MAX_ROWS} more setup steps</p> : null}
        </details>
      ) : null}
      {shown.before > 0 ? (
        <p className="hint" data-testid="steps-before">
          {shown.before} earlier steps not listed: the list shows the {MAX_ROWS} around the playhead.
        </p>
      ) : null}
      <ol className="step-rows">{shown.rows.map(row)}</ol>
      {shown.after > 0 ? <p className="hint">{shown.after} later steps not listed.</p> : null}
    </section>
  );
}

const StepRow = memo(function StepRow({
  step,
  counters,
  findings,
}: {
  step: StepInfo;
  counters: Counters | undefined;
  findings: Findings;
}) {
  const titles = useStore(store, (s) => s.summary?.invariants ?? NO_TITLES);
  // A counterexample's race (summary.race): its two steps are marked, first and second.
  const race = useStore(store, (s) => (s.summary?.race?.first === step.index ? 'first' : s.summary?.race?.second === step.index ? 'second' : undefined));
  const outcome = OUTCOME[step.outcome];
  const violated = findings.violations.length > 0;
  const classes = ['step', `outcome-${step.outcome}`];
  if (violated) classes.push('has-violation');
  if (race) classes.push('race-step');
  const line = step.outcome === 'skipped' ? '' : counterLine(counters);

  return (
    <li
      id={stepAnchor(step.index)}
      tabIndex={-1}
      className={classes.join(' ')}
      data-testid="step"
      data-step={step.index}
      data-outcome={step.outcome}
      data-race={race}
      data-violations={violated ? [...new Set(findings.violations.map((v) => v.id))].join(' ') : undefined}
    >
      <div className="step-meta">
        {step.microstepCount > 0 ? (
          <button type="button" className="step-name link-button" onClick={() => {
              seek(step.firstMicrostep + step.microstepCount);
              window.scrollTo({ top: 0, behavior: 'smooth' });
            }} title={`Show the state after ${stepName(step)}`} data-testid="step-seek">
            {stepName(step)}
          </button>
        ) : (
          <span className="step-name">{stepName(step)}</span>
        )}
        <span className="step-actor">{actorName(step.actor)}</span>
      </div>
      <div className="step-main">
        <div className="step-line">
          <code className="step-text">{step.text}</code>
          <span className={`outcome outcome-badge-${step.outcome}`}>
            {outcome.mark ? <span aria-hidden="true">{outcome.mark} </span> : null}
            {outcome.word}
          </span>
        </div>
        {step.error ? <p className="step-error">⊘ Refused: {step.error}</p> : null}
        {step.note ? <p className="step-note">{step.note}</p> : null}
        {violated ? (
          <ul className="step-findings" aria-label={`Violations at ${stepName(step)}`}>
            {findings.violations.map((v, i) => (
              <li key={i} className="step-violation" data-testid="step-violation" data-invariant={v.id}>
                <span className="violation-tag" title={invariantTitle(v.id, titles)}>
                  <span aria-hidden="true">✗ </span>
                  {v.id} violated
                </span>{' '}
                <span className="finding-message">{v.message}</span>
                <span className="finding-where">
                  {' '}
                  — in <code>{whereIn(v)}</code>
                  {v.cpus.length > 0 ? <> on {actorList(v.cpus)}</> : null}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        {findings.warnings.length > 0 ? (
          <ul className="step-findings" aria-label={`Kernel events at ${stepName(step)}`}>
            {findings.warnings.map((w, i) => (
              <li key={i} className="step-warning" data-testid="step-warning" data-kind={w.id}>
                <span className="warning-tag">
                  <span aria-hidden="true">⚠ </span>
                  {eventKind(w.id)}
                </span>{' '}
                <span className="finding-message">{w.message}</span>
              </li>
            ))}
          </ul>
        ) : null}
        {line ? <p className="step-counters">{line}</p> : null}
      </div>
    </li>
  );
});

/** The index of the step at the playhead, updated once the playhead has rested for a moment; 0 when not `enabled`. */
function useRestingStep(steps: StepInfo[], enabled: boolean): number {
  const [focus, setFocus] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setFocus(stepAt(steps, store.getState().t)?.index ?? 0), 250);
    };
    setFocus(stepAt(steps, store.getState().t)?.index ?? 0);
    const stop = store.subscribe((s, prev) => {
      if (s.t !== prev.t) settle();
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [steps, enabled]);
  return enabled ? focus : 0;
}
