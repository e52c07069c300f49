/**
 * The talk deck: its stops (scenario, variant, position, speaker notes), the one the clicker is at, and the tools to
 * build one from what is on screen, save it as a file or a link, and open one.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { showError, store } from '../store.ts';
import { addCurrentStop, closeDeck, goToStop, openDeck, removeStop, setStopNotes } from '../deck-actions.ts';
import { FileButton } from './FileButton.tsx';
import { deckFragment, deckText, parseDeck, DeckError } from '../deck.ts';

export function DeckPanel() {
  const deck = useStore(store, (s) => s.deck);
  const index = useStore(store, (s) => s.deckIndex);
  const presets = useStore(store, (s) => s.presets);
  const canAdd = useStore(store, (s) => s.source !== null && s.summary !== null);
  const [said, setSaid] = useState('');
  const title = (id: string) => presets.find((p) => p.id === id)?.title ?? id;

  return (
    <section className="panel deck" aria-labelledby="deck-heading" data-testid="deck">
      <h2 id="deck-heading">
        Talk deck {deck ? <span className="hint">({deck.stops.length} stops; PageDown / PageUp walk them)</span> : null}
      </h2>
      <div className="deck-tools">
        <button type="button" className="button" onClick={() => addCurrentStop()} disabled={!canAdd} data-testid="deck-add">
          Add this view as a stop
        </button>
        <FileButton
          label="Open a deck file"
          testid="deck-open"
          inputTestid="deck-file"
          onFile={async (file) => {
            try {
              openDeck(parseDeck(await file.text()));
            } catch (error) {
              showError(error instanceof DeckError ? error.message : `Could not open the deck: ${(error as Error).message}`);
            }
          }}
        >
          Open deck…
        </FileButton>
        {deck ? (
          <>
            <button
              type="button"
              className="button"
              onClick={() => {
                const url = URL.createObjectURL(new Blob([deckText(deck)], { type: 'application/json' }));
                const a = document.createElement('a');
                a.href = url;
                a.download = 'lazytlb-deck.json';
                a.click();
                setTimeout(() => URL.revokeObjectURL(url), 5000);
              }}
            >
              Save deck
            </button>
            <button
              type="button"
              className="button"
              data-testid="deck-link"
              onClick={async () => {
                const r = await deckFragment(deck);
                if ('error' in r) return showError(r.error);
                const url = `${location.origin}${location.pathname}${r.fragment}`;
                history.replaceState(history.state, '', `${location.pathname}${location.search}${r.fragment}`);
                try {
                  await navigator.clipboard.writeText(url);
                  setSaid('Deck link copied');
                } catch {
                  setSaid('The address bar now holds the deck link');
                }
              }}
            >
              Copy deck link
            </button>
            <button type="button" className="button" onClick={closeDeck}>
              Close deck
            </button>
          </>
        ) : null}
        <span className="hint" role="status">
          {said}
        </span>
      </div>
      {deck ? (
        <ol className="deck-stops">
          {deck.stops.map((stop, i) => (
            <li key={i} className={i === index ? 'is-current' : undefined} data-testid="deck-stop" aria-current={i === index ? 'step' : undefined}>
              <button type="button" className="link-button" onClick={() => void goToStop(i)}>
                {i + 1}. {stop.title ?? title(stop.scenario)}
              </button>{' '}
              <span className="hint">
                {stop.variant ?? 'default variant'} · {stop.ms !== undefined ? `micro-step ${stop.ms}` : stop.step !== undefined ? `end of step ${stop.step}` : 'start'}
              </span>
              <textarea
                className="deck-notes"
                rows={2}
                value={stop.notes ?? ''}
                placeholder="speaker notes"
                aria-label={`Speaker notes of stop ${i + 1}`}
                onChange={(e) => setStopNotes(i, e.target.value)}
              />
              <button type="button" className="mini-button" onClick={() => removeStop(i)} aria-label={`Remove stop ${i + 1}`}>
                remove
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <p className="hint">
          Build a talk: move to a moment worth showing, add it as a stop, repeat across scenarios. In presentation mode (P)
          the clicker (PageDown / PageUp) walks the stops.
        </p>
      )}
    </section>
  );
}

/** In presentation mode: where the deck stands, and the speaker notes when asked for (N). */
export function DeckFooter() {
  const deck = useStore(store, (s) => s.deck);
  const index = useStore(store, (s) => s.deckIndex);
  const notesShown = useStore(store, (s) => s.notesShown);
  if (!deck || index === null) return null;
  const stop = deck.stops[index];
  return (
    <div className="deck-footer" data-testid="deck-footer">
      <span>
        stop {index + 1} of {deck.stops.length}
        {deck.title ? ` · ${deck.title}` : ''}
      </span>
      {notesShown && stop?.notes ? <p className="deck-footer-notes">{stop.notes}</p> : null}
    </div>
  );
}
