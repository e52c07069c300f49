import { useStore } from 'zustand';
import { loadVariant, selectPickedVariant, selectVariants, store } from '../store.ts';
import type { VariantInfo } from '../../src-sim/protocol/index.ts';
import { idsOrNone } from '../format.ts';

/**
 * The variants of the scenario: a radio group (label and what the variant is expected to violate), the explanation
 * of the chosen one underneath, and every variant's explanation in a list that opens on demand.
 */
export function VariantSwitch() {
  const variants = useStore(store, selectVariants);
  const picked = useStore(store, selectPickedVariant);
  if (variants.length === 0) return null;
  const chosen = variants.find((v) => v.name === picked) ?? null;

  return (
    <section className="variants" aria-labelledby="variants-heading">
      <fieldset className="variant-switch" data-testid="variant-switch">
        <legend id="variants-heading" className="section-label">
          Variant <span className="hint">({variants.length})</span>
        </legend>
        <div className="variant-options">
          {variants.map((v) => (
            <label key={v.name} className="variant-option" title={v.explanation}>
              <input
                type="radio"
                name="variant"
                value={v.name}
                checked={picked === v.name}
                aria-describedby={`variant-explanation-${v.name}`}
                onChange={() => void loadVariant(v.name)}
              />
              <span className="variant-text">
                <span className="variant-label">{v.label}</span>
                <ExpectsLine variant={v} />
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {chosen ? (
        <p className="variant-explanation" data-testid="variant-explanation">
          <span className="variant-explanation-head">
            {chosen.label} <code>{chosen.name}</code>:
          </span>{' '}
          {chosen.explanation}
        </p>
      ) : null}
      <details className="all-variants">
        <summary>Every variant explained</summary>
        <dl>
          {variants.map((v) => (
            <div key={v.name} className={v.name === picked ? 'is-picked' : undefined}>
              <dt>
                {v.label} <code>{v.name}</code>
                {v.name === picked ? <span className="hint"> (shown)</span> : null}
              </dt>
              <dd id={`variant-explanation-${v.name}`}>
                {v.explanation} <ExpectsLine variant={v} />
              </dd>
            </div>
          ))}
        </dl>
      </details>
    </section>
  );
}

function ExpectsLine({ variant }: { variant: VariantInfo }) {
  return (
    <span className="variant-expects">
      {variant.expect.length === 0 ? 'expects no violation' : `expects ${idsOrNone(variant.expect)}`}
    </span>
  );
}
