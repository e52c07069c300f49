import { useStore } from 'zustand';
import { store } from '../store.ts';
import type { Counters } from '../../src-sim/timeline/summary.ts';

const ROWS: { key: keyof Counters; label: string }[] = [
  { key: 'ipis', label: 'IPIs sent' },
  { key: 'flushes', label: 'TLB flushes' },
  { key: 'cr3Writes', label: 'page-table base loads (CR3 writes)' },
  { key: 'coreSyncs', label: 'core syncs' },
  { key: 'redundantCoreSyncs', label: 'redundant core syncs' },
  { key: 'mmCountAtomics', label: 'atomic ops on mm_count' },
];

export function CountersPanel() {
  const totals = useStore(store, (s) => s.summary?.totals);
  const microsteps = useStore(store, (s) => s.summary?.microstepCount ?? 0);
  if (!totals) return null;
  return (
    <section className="panel counters" aria-labelledby="counters-heading">
      <h2 id="counters-heading">Counters (whole run)</h2>
      <dl className="counter-table" data-testid="counters">
        {ROWS.map(({ key, label }) => (
          <div key={key} className="counter" data-counter={key}>
            <dt>{label}</dt>
            <dd>{totals[key]}</dd>
          </div>
        ))}
        <div className="counter" data-counter="microsteps">
          <dt>micro-steps</dt>
          <dd>{microsteps}</dd>
        </div>
      </dl>
    </section>
  );
}
