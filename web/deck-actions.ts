/** Walking a talk deck: go to a stop (load its scenario and variant when they differ, then seek), edit the deck. */
import type { TimelineSummary } from '../src-sim/protocol/index.ts';
import { loadScenario, seek, store } from './store.ts';
import { DECK_FORMAT, type Deck, type DeckStop } from './deck.ts';
import { stepEnd } from './position.ts';

function positionOf(stop: DeckStop, summary: TimelineSummary): number | null {
  if (stop.ms !== undefined) return stop.ms;
  if (stop.step !== undefined) {
    const step = summary.steps.find((s) => !s.setup && s.number === stop.step);
    return step ? stepEnd(step) : null;
  }
  return null;
}

export async function goToStop(index: number): Promise<void> {
  const { deck, summary, source } = store.getState();
  const stop = deck?.stops[index];
  if (!deck || !stop) return;
  store.setState({ deckIndex: index });
  const same = summary && source?.kind === 'preset' && summary.scenarioId === stop.scenario && (stop.variant === undefined || summary.variant === stop.variant);
  if (same) {
    const t = positionOf(stop, summary);
    if (t !== null) seek(t);
    return;
  }
  await loadScenario(stop.scenario, stop.variant ?? null, (s) => positionOf(stop, s));
}

/** Next (dir 1) or previous stop; false when there is no deck or no such stop. */
export function stepDeck(dir: 1 | -1): boolean {
  const { deck, deckIndex } = store.getState();
  if (!deck) return false;
  const next = deckIndex === null ? (dir > 0 ? 0 : deck.stops.length - 1) : deckIndex + dir;
  if (next < 0 || next >= deck.stops.length) return true; // at an end: stay
  void goToStop(next);
  return true;
}

export function openDeck(deck: Deck): void {
  store.setState({ deck, deckIndex: null });
  void goToStop(0);
}

export function closeDeck(): void {
  store.setState({ deck: null, deckIndex: null });
}

/** Appends the view on screen (a preset, its variant, the playhead) as a stop; starts a deck when there is none. */
export function addCurrentStop(notes = ''): void {
  const { summary, source, t, deck } = store.getState();
  if (!summary || source?.kind !== 'preset') return;
  const stop: DeckStop = { scenario: summary.scenarioId, variant: summary.variant, ms: t, ...(notes ? { notes } : {}) };
  const next: Deck = deck ? { ...deck, stops: [...deck.stops, stop] } : { format: DECK_FORMAT, title: 'My lazy-TLB talk', stops: [stop] };
  store.setState({ deck: next, deckIndex: next.stops.length - 1 });
}

export function removeStop(index: number): void {
  const { deck, deckIndex } = store.getState();
  if (!deck) return;
  const stops = deck.stops.filter((_, i) => i !== index);
  if (stops.length === 0) return closeDeck();
  store.setState({ deck: { ...deck, stops }, deckIndex: deckIndex === null ? null : Math.min(deckIndex, stops.length - 1) });
}

export function setStopNotes(index: number, notes: string): void {
  const { deck } = store.getState();
  if (!deck?.stops[index]) return;
  const stops = deck.stops.map((s, i) => (i === index ? { ...s, notes } : s));
  store.setState({ deck: { ...deck, stops } });
}
