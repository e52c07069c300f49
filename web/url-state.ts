/**
 * The view lives in the URL query (`?scenario=ID&variant=V`) so that a link reopens the same view.
 *
 * - On start, and when the user goes back or forward, the app loads what the URL names.
 * - When a timeline lands on screen, the URL is updated to name it (a new history entry when the view changed).
 * - A failed load leaves the URL alone; the banner says what went wrong.
 */
import { loadScenario, store, type AppState } from './store.ts';

export interface ViewParams {
  scenario: string | null;
  variant: string | null;
}

export function parseViewParams(search: string): ViewParams {
  const params = new URLSearchParams(search);
  return { scenario: nonEmpty(params.get('scenario')), variant: nonEmpty(params.get('variant')) };
}

/** The query string for a view, keeping any other parameters of `search` as they are. */
export function formatViewParams(search: string, view: ViewParams): string {
  const params = new URLSearchParams(search);
  for (const key of ['scenario', 'variant'] as const) {
    const value = view[key];
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

/** Loads what the current URL names, if anything. */
function loadFromLocation(): void {
  const { scenario, variant } = parseViewParams(window.location.search);
  if (scenario !== null) void loadScenario(scenario, variant);
}

/** Back/forward: load only when the view changed (a move between `#step-N` anchors keeps the query). */
function onPopState(): void {
  const { scenario, variant } = parseViewParams(window.location.search);
  const state = store.getState();
  const shown = state.pending ?? (state.summary ? { scenario: state.summary.scenarioId, variant: state.summary.variant } : null);
  if (shown && shown.scenario === scenario && (variant === null || shown.variant === variant)) return;
  loadFromLocation();
}

function syncLocation(summary: AppState['summary']): void {
  if (!summary) return;
  document.title = summary.variant === '' ? `${summary.title} — lazytlb` : `${summary.title} (${summary.variant}) — lazytlb`;
  const current = parseViewParams(window.location.search);
  const next: ViewParams = { scenario: summary.scenarioId, variant: summary.variant === '' ? null : summary.variant };
  if (current.scenario === next.scenario && current.variant === next.variant) return;
  const url = `${window.location.pathname}${formatViewParams(window.location.search, next)}${window.location.hash}`;
  // Filling in the default variant of the scenario the URL already names is the same view: no new history entry.
  const sameView = current.scenario === next.scenario && current.variant === null;
  if (sameView) window.history.replaceState(window.history.state, '', url);
  else window.history.pushState(null, '', url);
}

/** Starts the two-way binding between the URL and the store. Returns a function that stops it. */
export function startUrlSync(): () => void {
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.summary !== previous.summary) syncLocation(state.summary);
  });
  window.addEventListener('popstate', onPopState);
  loadFromLocation();
  return () => {
    unsubscribe();
    window.removeEventListener('popstate', onPopState);
  };
}
