import { useStore } from 'zustand';
import { store } from '../store.ts';
import type { ViolationInfo } from '../../src-sim/timeline/summary.ts';

const NONE: ViolationInfo[] = [];

export function ViolationsPanel() {
  const violations = useStore(store, (s) => s.summary?.violations ?? NONE);
  const warnings = useStore(store, (s) => s.summary?.warnings ?? NONE);

  return (
    <section className="panel violations" aria-labelledby="violations-heading">
      <h2 id="violations-heading">
        Invariant violations <span className="count">({violations.length})</span>
      </h2>
      {violations.length === 0 ? (
        <p className="all-held" data-testid="no-violations">
          ✓ None: every invariant held.
        </p>
      ) : (
        <ol className="finding-list">
          {violations.map((v, i) => (
            <Finding key={i} finding={v} testId="violation" />
          ))}
        </ol>
      )}
      {warnings.length > 0 ? (
        <>
          <h3>Kernel warnings ({warnings.length})</h3>
          <ol className="finding-list warnings">
            {warnings.map((w, i) => (
              <Finding key={i} finding={w} testId="warning" />
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}

function Finding({ finding, testId }: { finding: ViolationInfo; testId: string }) {
  return (
    <li className={`finding finding-${testId}`} data-testid={testId} data-invariant={finding.id}>
      <p className="finding-head">
        <span className="finding-id">{finding.id}</span>
        <span>step {finding.step}</span>
        {finding.cpus.length > 0 ? <span>{finding.cpus.join(', ')}</span> : null}
      </p>
      <p className="finding-message">{finding.message}</p>
      <p className="finding-where">
        in <code>{finding.fn}</code>
        {finding.label ? <> · {finding.label}</> : null}
        {finding.objects.length > 0 ? <> · {finding.objects.join(', ')}</> : null}
      </p>
    </li>
  );
}
