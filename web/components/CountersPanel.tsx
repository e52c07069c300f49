import { useStore } from 'zustand';
import { store } from '../store.ts';
import { COUNTER_ROWS } from '../format.ts';

/** The counters of the whole run: costs, not errors. */
export function CountersPanel() {
  const totals = useStore(store, (s) => s.summary?.totals);
  const microsteps = useStore(store, (s) => s.summary?.microstepCount ?? 0);
  if (!totals) return null;
  return (
    <section className="panel counters" aria-labelledby="counters-heading">
      <h2 id="counters-heading">
        Counters <span className="hint">(whole run)</span>
      </h2>
      <dl className="counter-table" data-testid="counters">
        {COUNTER_ROWS.map(({ key, label, detail }) => (
          <div key={key} className="counter" data-counter={key}>
            <dt>
              {label}
              {detail ? <span className="counter-detail"> ({detail})</span> : null}
            </dt>
            <dd>
              {totals[key]}
              {key === 'coreSyncs' ? (
                <span className="counter-detail" data-counter="redundantCoreSyncs">
                  {' '}
                  ({totals.redundantCoreSyncs})
                </span>
              ) : null}
            </dd>
          </div>
        ))}
        <div className="counter counter-minor" data-counter="microsteps">
          <dt>micro-steps run</dt>
          <dd>{microsteps}</dd>
        </div>
      </dl>
    </section>
  );
}
