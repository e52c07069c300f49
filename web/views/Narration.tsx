/**
 * What is happening at the playhead, in words: the step and its note, the micro-step (kernel function › label, and
 * the source file), the violations raised here explained, and where the scenario comes from.
 */
import { useStore } from 'zustand';
import { focusViolation, store } from '../store.ts';
import { stepAt, violationsAt } from '../position.ts';
import { actorLabel, actorName, invariantTitle, stepName } from '../format.ts';
import { Glossed } from './Term.tsx';

export function Narration() {
  const summary = useStore(store, (s) => s.summary);
  const t = useStore(store, (s) => s.t);
  const view = useStore(store, (s) => s.view);
  const focused = useStore(store, (s) => s.focusedViolation);
  if (!summary) return null;
  const step = stepAt(summary.steps, t);
  const here = violationsAt(summary.violations, t);
  const focusedV = focused !== null ? summary.violations[focused] : undefined;
  const shown = focusedV && !here.includes(focusedV) ? [...here, focusedV] : here;
  const ms = view && view.t === t ? view.microstep : null;
  // Each term is linked once in the panel: at its first occurrence, note first.
  const linked = new Set<string>();

  return (
    <section className="narration" aria-label="Narration" data-testid="narration">
      <div className="narration-step">
        {step ? (
          <>
            <p className="narration-head">
              <strong data-testid="narration-step">{stepName(step)}</strong> <span className="hint">on {actorName(step.actor)}</span>{' '}
              <code>{step.text}</code>
            </p>
            {step.note ? (
              <p className="narration-note" data-testid="narration-note">
                <Glossed text={step.note} linked={linked} />
              </p>
            ) : null}
          </>
        ) : (
          <p className="narration-note">The initial state: every CPU idle on init_mm, nothing loaded. Step forward (→) to run the scenario.</p>
        )}
      </div>
      {ms ? (
        <p className="narration-micro" data-testid="narration-micro">
          <span className="hint">micro-step {ms.index + 1}</span> {actorLabel(ms.actor, summary.machine.devices)} ran{' '}
          <code>
            <Glossed text={ms.fn} linked={linked} /> › {ms.label}
          </code>{' '}
          <span className="hint">
            in <code>{ms.src}</code>
            {ms.link ? (
              <>
                {' '}
                <a href={ms.link} target="_blank" rel="noreferrer noopener" data-testid="narration-source-link" title={`${ms.fn} in the ${summary.kernelSource?.version ?? ''} kernel source`}>
                  source ({summary.kernelSource?.version ?? 'kernel'})
                </a>
              </>
            ) : null}
          </span>
        </p>
      ) : null}
      {ms?.decisions?.length ? (
        <ul className="narration-decisions" aria-label="What this micro-step decided, and why" data-testid="narration-decisions">
          {ms.decisions.map((d, i) => (
            <li key={i}>
              <span aria-hidden="true">⤷ </span>
              {d.cpu ? <b>{d.cpu.toUpperCase()} </b> : null}
              <b>{d.decision}</b>: <Glossed text={d.reason} linked={linked} />
            </li>
          ))}
        </ul>
      ) : null}
      {summary.source ? (
        <p className="narration-source hint" data-testid="narration-source">
          From the thread “{summary.source.subject}”, {summary.source.authors.join(', ')}, {summary.source.date}
        </p>
      ) : null}
      {shown.length > 0 ? (
        <ul className="narration-violations" aria-label="Violations at this point">
          {shown.map((v) => {
            const index = summary.violations.indexOf(v);
            return (
              <li key={index} className={`narration-violation${index === focused ? ' is-focused' : ''}`} data-testid="narration-violation" data-invariant={v.id}>
                <span className="violation-tag">
                  <span aria-hidden="true">✗ </span>
                  {v.id} violated
                </span>{' '}
                <span className="hint">{invariantTitle(v.id, summary.invariants)}</span>
                <br />
                {v.message}{' '}
                <span className="hint">
                  (in <code>{v.fn} › {v.label}</code>, micro-step {v.microstep + 1})
                </span>
                {index === focused ? (
                  <button type="button" className="link-button" onClick={() => focusViolation(null)}>
                    close
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
