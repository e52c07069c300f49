import { useMemo, type MouseEvent } from 'react';
import { useStore } from 'zustand';
import { seek, store } from '../store.ts';
import type { StepInfo, ViolationInfo } from '../../src-sim/protocol/index.ts';
import { actorList, eventKind, invariantTitle, stepAnchor, stepName, whereIn } from '../format.ts';

const NONE: ViolationInfo[] = [];
const NO_STEPS: StepInfo[] = [];

/** Findings grouped by id, in order of first occurrence. */
const NO_TITLES: Record<string, string> = {};
/** Occurrences listed per invariant (a long run can break one a hundred thousand times; the lanes show them all). */
const MAX_LISTED = 25;

function group(list: ViolationInfo[]): Array<[string, ViolationInfo[]]> {
  const groups = new Map<string, ViolationInfo[]>();
  for (const f of list) {
    const g = groups.get(f.id);
    if (g) g.push(f);
    else groups.set(f.id, [f]);
  }
  return [...groups];
}

/** An index of what the checker found: one entry per invariant, with links to the steps where it broke. */
export function ViolationsPanel() {
  const violations = useStore(store, (s) => s.summary?.violations ?? NONE);
  const warnings = useStore(store, (s) => s.summary?.warnings ?? NONE);
  const steps = useStore(store, (s) => s.summary?.steps ?? NO_STEPS);
  const titles = useStore(store, (s) => s.summary?.invariants ?? NO_TITLES);
  const groups = useMemo(() => group(violations), [violations]);

  return (
    <section className="panel violations" aria-labelledby="violations-heading" data-testid="violations-panel">
      <h2 id="violations-heading">Invariant violations</h2>
      {violations.length === 0 ? (
        <p className="good-text all-held" data-testid="no-violations">
          <span aria-hidden="true">✓ </span>None: every invariant held at every micro-step.
        </p>
      ) : (
        <>
          <p className="bad-text tally">
            <span aria-hidden="true">✗ </span>
            {groups.length} {groups.length === 1 ? 'invariant' : 'invariants'} broken, {violations.length}{' '}
            {violations.length === 1 ? 'time' : 'times'}
          </p>
          <ul className="invariant-groups">
            {groups.map(([id, list]) => (
              <li key={id} className="invariant-group" data-testid="violation-group" data-invariant={id}>
                <p className="invariant-head">
                  <span className="violation-tag">{id}</span> <span>{invariantTitle(id, titles)}</span>
                </p>
                <ul className="occurrences">
                  {list.slice(0, MAX_LISTED).map((v, i) => (
                    <li key={i} data-testid="violation" data-invariant={v.id} title={v.message}>
                      <StepLink step={steps[v.step]} index={v.step} />
                      {v.cpus.length > 0 ? <> on {actorList(v.cpus)}</> : null}, in <code>{whereIn(v)}</code>
                    </li>
                  ))}
                  {list.length > MAX_LISTED ? (
                    <li className="hint">
                      … and {list.length - MAX_LISTED} more ({'['} and {']'} walk them on the lanes)
                    </li>
                  ) : null}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
      {warnings.length > 0 ? (
        <>
          <h3>Kernel events (not violations)</h3>
          <ul className="events">
            {warnings.slice(0, MAX_LISTED).map((w, i) => (
              <li key={i} data-testid="warning" data-kind={w.id}>
                <span className="warning-tag">
                  <span aria-hidden="true">⚠ </span>
                  {eventKind(w.id)}
                </span>{' '}
                at <StepLink step={steps[w.step]} index={w.step} />
              </li>
            ))}
            {warnings.length > MAX_LISTED ? <li className="hint">… and {warnings.length - MAX_LISTED} more</li> : null}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** A link to a step's row; it scrolls there without touching the URL (the URL names the view, not the scroll). */
function StepLink({ step, index }: { step: StepInfo | undefined; index: number }) {
  const name = step ? stepName(step) : `step #${index}`;
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    const row = document.getElementById(stepAnchor(index));
    if (!row) {
      // A long run lists only the steps around the playhead: move the playhead there, and the list follows.
      e.preventDefault();
      if (step && step.microstepCount > 0) seek(step.firstMicrostep + step.microstepCount);
      return;
    }
    e.preventDefault();
    const setup = row.closest('details');
    if (setup && !setup.open) setup.open = true;
    row.scrollIntoView({ block: 'center', behavior: 'smooth' });
    row.focus({ preventScroll: true });
  };
  return (
    <a href={`#${stepAnchor(index)}`} onClick={onClick} className="step-link">
      {name}
    </a>
  );
}
