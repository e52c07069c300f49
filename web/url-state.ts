/**
 * The view lives in the URL query so that a link reopens the same view:
 * `?v=1&scenario=ID&variant=V&step=N&ms=M` — `ms` is the playhead (micro-steps done, as the position line says),
 * `step` the step it is in (used when `ms` is absent: the playhead goes to the end of `steps[N]`). Links without `v`
 * (older ones) keep loading; a link from a newer format says so and loads what it can.
 *
 * - On start, and when the user goes back or forward, the app loads what the URL names.
 * - When a timeline lands on screen, the URL names it (a new history entry when the scenario or variant changed);
 *   playhead moves replace the entry (no history entry per micro-step).
 * - A failed load leaves the URL alone; the banner says what went wrong.
 * - A user's own scenario travels in the fragment (share.ts): `#scenario=...`; a link with one loads it.
 */
import type { TimelineSummary } from '../src-sim/protocol/index.ts';
import { loadScenario, loadSource, seek, showError, store, type AppState } from './store.ts';
import { decodeScenario, fragmentFor, fragmentScenario } from './share.ts';
import { deckFromHash } from './deck.ts';
import { openDeck } from './deck-actions.ts';
import { stepAt, stepEnd } from './position.ts';

export const URL_VERSION = '1';

export interface ViewParams {
  scenario: string | null;
  variant: string | null;
  /** Step number within `steps` (not setup). */
  step: number | null;
  /** Playhead position. */
  ms: number | null;
  version: string | null;
}

export function parseViewParams(search: string): ViewParams {
  const params = new URLSearchParams(search);
  return {
    scenario: nonEmpty(params.get('scenario')),
    variant: nonEmpty(params.get('variant')),
    step: count(params.get('step')),
    ms: count(params.get('ms')),
    version: nonEmpty(params.get('v')),
  };
}

/** The query string for a view, keeping any other parameters of `search` as they are. */
export function formatViewParams(search: string, view: Omit<ViewParams, 'version'>): string {
  const params = new URLSearchParams(search);
  params.set('v', URL_VERSION);
  const values: Record<string, string | null> = {
    scenario: view.scenario,
    variant: view.variant,
    step: view.step === null ? null : String(view.step),
    ms: view.ms === null ? null : String(view.ms),
  };
  for (const [key, value] of Object.entries(values)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

/** A non-negative integer, or null (absent or not a number: the link still loads, at the default position). */
function count(value: string | null): number | null {
  if (value === null || !/^\d{1,9}$/.test(value)) return null;
  return Number(value);
}

/** The playhead a link asks for, given the loaded timeline (null: the default). */
export function positionFromParams(params: Pick<ViewParams, 'step' | 'ms'>, summary: TimelineSummary): number | null {
  if (params.ms !== null) return Math.min(params.ms, summary.microstepCount);
  if (params.step !== null) {
    const step = summary.steps.find((s) => !s.setup && s.number === params.step);
    return step ? stepEnd(step) : null;
  }
  return null;
}

/** Longest scenario id or variant name a link may carry (presets' are a few dozen characters). */
export const MAX_NAME = 200;

/**
 * A link that failed to load must not stay in the address bar (a huge one would make the next reload fail at the
 * server): put back the view on screen, or the bare page.
 */
function forgetFailedLink(): void {
  const state = store.getState();
  if (state.summary) syncLocation(state, true, true);
  else window.history.replaceState(window.history.state, '', window.location.pathname);
}

/** Loads what the current URL names, if anything. */
function loadFromLocation(): void {
  const params = parseViewParams(window.location.search);
  const tooLong = [params.scenario, params.variant].find((v): v is string => v !== null && v.length > MAX_NAME);
  if (tooLong !== undefined) {
    showError(`This link names a scenario or variant of ${tooLong.length} characters; names are at most ${MAX_NAME}. The link was not loaded.`);
    forgetFailedLink();
    return;
  }
  if (params.version !== null && params.version !== URL_VERSION) {
    showError(`This link was made for lazytlb link format v=${params.version}; this version reads v=${URL_VERSION}. Loading what it names.`);
  }
  const at = (summary: TimelineSummary) => positionFromParams(params, summary);
  if (window.location.hash.includes('deck=')) {
    deckFromHash(window.location.hash).then(
      (deck) => {
        // A deck link opens its first stop, unless the query names a view.
        if (deck && params.scenario === null) openDeck(deck);
        else if (deck) store.setState({ deck });
      },
      (error: Error) => showError(`Could not open the deck in this link: ${error.message}`),
    );
    if (params.scenario === null) return;
  }
  const encoded = fragmentScenario(window.location.hash);
  if (encoded !== null) {
    decodeScenario(encoded).then(
      (text) => loadSource({ kind: 'json', text }, params.variant, at).then((ok) => ok || forgetFailedLink()),
      (error: Error) => {
        showError(`Could not open the scenario in this link: ${error.message}`);
        forgetFailedLink();
      },
    );
    return;
  }
  if (params.scenario !== null) void loadScenario(params.scenario, params.variant, at).then((ok) => ok || forgetFailedLink());
}

/** The fragment the URL should carry: the user's own scenario, or whatever it had (minus a stale scenario). */
let ownFragment = '';

function hashFor(state: AppState): string {
  if (state.source?.kind === 'json') return ownFragment;
  return fragmentScenario(window.location.hash) !== null ? '' : window.location.hash;
}

/** Back/forward: load when the view changed, else just move the playhead. */
function onPopState(): void {
  const params = parseViewParams(window.location.search);
  const state = store.getState();
  const shown = state.pending ?? (state.summary ? { scenario: state.summary.scenarioId, variant: state.summary.variant } : null);
  if (shown && shown.scenario === params.scenario && (params.variant === null || shown.variant === params.variant)) {
    if (state.summary) {
      const t = positionFromParams(params, state.summary);
      if (t !== null) seek(t);
    }
    return;
  }
  loadFromLocation();
}

function viewOf(state: AppState): Omit<ViewParams, 'version'> | null {
  const { summary, t } = state;
  if (!summary) return null;
  const step = stepAt(summary.steps, t);
  return {
    scenario: summary.scenarioId,
    variant: summary.variant === '' ? null : summary.variant,
    step: step && !step.setup ? step.number : null,
    ms: t,
  };
}

let replaceTimer: ReturnType<typeof setTimeout> | undefined;

function syncLocation(state: AppState, newView: boolean, replace = false): void {
  const next = viewOf(state);
  if (!next || !state.summary) return;
  const summary = state.summary;
  document.title = summary.variant === '' ? `${summary.title} — lazytlb` : `${summary.title} (${summary.variant}) — lazytlb`;
  const current = parseViewParams(window.location.search);
  const url = `${window.location.pathname}${formatViewParams(window.location.search, next)}${hashFor(state)}`;
  if (`${window.location.pathname}${window.location.search}${window.location.hash}` === url) return;
  // Filling in the default variant, or the playhead, of the view the URL already names: no new history entry.
  const sameView = current.scenario === next.scenario && (current.variant === null || current.variant === next.variant);
  clearTimeout(replaceTimer);
  if (newView && !sameView && !replace) window.history.pushState(null, '', url);
  else if (newView) window.history.replaceState(window.history.state, '', url);
  else replaceTimer = setTimeout(() => window.history.replaceState(window.history.state, '', url), 150);
}

/** Starts the two-way binding between the URL and the store. Returns a function that stops it. */
export function startUrlSync(): () => void {
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.summary !== previous.summary && state.source?.kind === 'json') {
      const text = state.source.text;
      void fragmentFor(text).then((r) => {
        if (store.getState().source?.kind !== 'json') return;
        ownFragment = 'fragment' in r ? r.fragment : '';
        syncLocation(store.getState(), true);
      });
    } else if (state.summary !== previous.summary) syncLocation(state, true);
    else if (state.t !== previous.t) syncLocation(state, false);
  });
  window.addEventListener('popstate', onPopState);
  loadFromLocation();
  return () => {
    unsubscribe();
    window.removeEventListener('popstate', onPopState);
  };
}
