/**
 * Compare: another variant of the scenario beside the main one, in lockstep by step. The bar says which variant, the
 * first step where the two states or findings differ (with what differs), and jumps there; the compared variant's
 * lanes follow below.
 */
import { useStore } from 'zustand';
import { compareWith, seek, store } from '../store.ts';
import { stepEnd } from '../position.ts';
import { stepName } from '../format.ts';
import { Lanes } from './Lanes.tsx';
import { TlbGrids } from './TlbGrids.tsx';

export function CompareSwitch() {
  const summary = useStore(store, (s) => s.summary);
  const compared = useStore(store, (s) => s.compare?.summary.variant ?? '');
  if (!summary || summary.variants.length < 2) return null;
  return (
    <label className="field compare-field">
      <span className="field-label">Compare</span>
      <select value={compared} onChange={(e) => void compareWith(e.target.value || null)} data-testid="compare-select" aria-label="Compare with another variant">
        <option value="">off</option>
        {summary.variants
          .filter((v) => v.name !== summary.variant)
          .map((v) => (
            <option key={v.name} value={v.name}>
              {v.label}
            </option>
          ))}
      </select>
    </label>
  );
}

export function CompareBar() {
  const compare = useStore(store, (s) => s.compare);
  const summary = useStore(store, (s) => s.summary);
  if (!compare || !summary) return null;
  const info = compare.info;
  const first = info.firstDifferentStep !== null ? summary.steps[info.firstDifferentStep] : undefined;
  const label = summary.variants.find((v) => v.name === compare.summary.variant)?.label ?? compare.summary.variant;
  return (
    <section className="compare" aria-label={`Compared with ${label}`} data-testid="compare">
      <div className="compare-bar">
        <strong>
          Compared with: {label} <code className="hint">{compare.summary.variant}</code>
        </strong>
        {!info.computed ? (
          <span className="hint">too many steps to compare step by step</span>
        ) : first ? (
          <span data-testid="compare-first" data-step={first.index}>
            first differs after <b>{stepName(first)}</b>{' '}
            <button type="button" className="mini-button" onClick={() => seek(stepEnd(first))} data-testid="compare-go">
              go there
            </button>
          </span>
        ) : (
          <span data-testid="compare-same">the same state and findings after every step</span>
        )}
        <span className="hint">
          {compare.summary.violations.length === 0 ? '✓ no violation' : `✗ ${[...new Set(compare.summary.violations.map((v) => v.id))].join(' ')}`}
        </span>
      </div>
      {first && info.differences.length > 0 ? (
        <ul className="compare-diffs" aria-label="What differs there">
          {info.differences.map((d, i) => (
            <li key={i}>
              <code>{d}</code>
            </li>
          ))}
        </ul>
      ) : null}
      <Lanes slot="compare" />
      <TlbGrids slot="compare" />
    </section>
  );
}
