import { useStore } from 'zustand';
import { loadVariant, selectPickedVariant, selectVariants, store } from '../store.ts';
import { CompareSwitch } from '../views/CompareBar.tsx';

/** The scenario's title, its architecture, the variant switch and whether the run meets its expectation: two lines. */
export function ScenarioHeading() {
  const title = useStore(store, (s) => s.summary?.title ?? '');
  const arch = useStore(store, (s) => s.summary?.arch ?? '');
  const ok = useStore(store, (s) => s.summary?.expect.ok ?? true);
  const variants = useStore(store, selectVariants);
  const picked = useStore(store, selectPickedVariant);
  const chosen = variants.find((v) => v.name === picked);

  return (
    <section className="scenario-heading" aria-labelledby="scenario-title" data-testid="scenario-heading">
      <h1 id="scenario-title" title={title}>
        {title}
      </h1>
      <div className="heading-row">
        <span className="meta">
          arch <strong>{arch}</strong>
        </span>
        {variants.length > 0 ? (
          <label className="field variant-field">
            <span className="field-label">Variant</span>
            <select
              value={picked ?? ''}
              onChange={(e) => void loadVariant(e.target.value)}
              data-testid="variant-select"
              title={chosen?.explanation}
            >
              {variants.map((v) => (
                <option key={v.name} value={v.name}>
                  {v.label} — {v.expect.length ? `expects ✗ ${v.expect.join(' ')}` : 'expects no violation'}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <CompareSwitch />
        <span className={ok ? 'good-text' : 'bad-text'} data-testid="expect-badge">
          {ok ? '✓ meets its expectation' : '✗ differs from its expectation'}
        </span>
      </div>
    </section>
  );
}
