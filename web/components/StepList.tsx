import { memo, useMemo } from 'react';
import { useStore } from 'zustand';
import { store } from '../store.ts';
import type { StepInfo, ViolationInfo } from '../../src-sim/timeline/summary.ts';

const NO_STEPS: StepInfo[] = [];
const NO_VIOLATIONS: ViolationInfo[] = [];

const OUTCOME_LABEL: Record<StepInfo['outcome'], string> = {
  done: 'done',
  paused: '‖ paused',
  blocked: '⋯ blocked',
  refused: '⊘ refused',
  skipped: '– not in this variant',
};

export function StepList() {
  const steps = useStore(store, (s) => s.summary?.steps ?? NO_STEPS);
  const violations = useStore(store, (s) => s.summary?.violations ?? NO_VIOLATIONS);

  const { setup, schedule } = useMemo(
    () => ({ setup: steps.filter((s) => s.setup), schedule: steps.filter((s) => !s.setup) }),
    [steps],
  );
  const violatedAt = useMemo(() => {
    const byStep = new Map<number, string[]>();
    for (const v of violations) {
      const ids = byStep.get(v.step) ?? [];
      if (!ids.includes(v.id)) ids.push(v.id);
      byStep.set(v.step, ids);
    }
    return byStep;
  }, [violations]);

  return (
    <section className="panel steps" aria-labelledby="steps-heading" data-testid="step-list">
      <h2 id="steps-heading">Steps</h2>
      {setup.length > 0 ? (
        <details className="setup-steps">
          <summary>
            Setup: {setup.length} {setup.length === 1 ? 'operation builds' : 'operations build'} the starting state
          </summary>
          <ol className="step-rows">
            {setup.map((step) => (
              <StepRow key={step.index} step={step} violated={violatedAt.get(step.index)} />
            ))}
          </ol>
        </details>
      ) : null}
      <ol className="step-rows">
        {schedule.map((step) => (
          <StepRow key={step.index} step={step} violated={violatedAt.get(step.index)} />
        ))}
      </ol>
    </section>
  );
}

const StepRow = memo(function StepRow({ step, violated }: { step: StepInfo; violated: string[] | undefined }) {
  const classes = ['step', `outcome-${step.outcome}`];
  if (step.setup) classes.push('is-setup');
  if (violated) classes.push('has-violation');
  return (
    <li className={classes.join(' ')} data-testid="step" data-step={step.index} data-outcome={step.outcome}>
      <div className="step-line">
        <span className="step-index">#{step.index}</span>
        <span className="step-actor">{step.actor}</span>
        <code className="step-text">{step.text}</code>
        <span className={`badge badge-${step.outcome}`}>{OUTCOME_LABEL[step.outcome]}</span>
        {violated ? <span className="badge badge-violation">✗ {violated.join(', ')}</span> : null}
      </div>
      {step.error ? <p className="step-error">Refused: {step.error}</p> : null}
      {step.note ? <p className="step-note">{step.note}</p> : null}
    </li>
  );
});
