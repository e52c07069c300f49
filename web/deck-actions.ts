/** Walking a talk deck: go to a stop (load its scenario and variant when they differ, then seek), edit the deck. */
import type { TimelineSummary } from '../src-sim/protocol/index.ts';
import { loadScenario, loadSource, seek, store } from './store.ts';
import { DECK_FORMAT, carriedScenario, type Deck, type DeckStop } from './deck.ts';
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
  const carried = carriedScenario(deck, stop.scenario);
  const onScreen = carried === null ? source?.kind === 'preset' : source?.kind === 'json' && source.text === carried;
  const same = summary && onScreen && summary.scenarioId === stop.scenario && (stop.variant === undefined || summary.variant === stop.variant);
  if (same) {
    const t = positionOf(stop, summary);
    if (t !== null) seek(t);
    return;
  }
  const at = (s: TimelineSummary) => positionOf(stop, s);
  if (carried === null) await loadScenario(stop.scenario, stop.variant ?? null, at);
  else await loadSource({ kind: 'json', text: carried }, stop.variant ?? null, at);
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

/**
 * Appends the view on screen (its scenario, variant and playhead) as a stop; starts a deck when there is none. A
 * user's own scenario travels inside the deck (`scenarios`, by id), so the deck file or link opens it anywhere.
 */
export function addCurrentStop(notes = ''): void {
  const { summary, source, t, deck } = store.getState();
  if (!summary || !source) return;
  const stop: DeckStop = { scenario: summary.scenarioId, variant: summary.variant, ms: t, ...(notes ? { notes } : {}) };
  const base: Deck = deck ?? { format: DECK_FORMAT, title: 'My lazy-TLB talk', stops: [stop] };
  const scenarios = source.kind === 'json' ? { ...base.scenarios, [summary.scenarioId]: source.text } : base.scenarios;
  const next: Deck = { ...base, stops: deck ? [...deck.stops, stop] : base.stops, ...(scenarios ? { scenarios } : {}) };
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
