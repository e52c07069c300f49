/**
 * The Explore action: a search over every interleaving of the scenario on screen, run by a worker of its own (the
 * same worker bundle as the timeline's, so one copy of the core), so the timeline stays usable meanwhile and cancel
 * is simply terminating that worker. The UI shows this store; nothing else writes it.
 */
import { createStore } from 'zustand/vanilla';
import type { ExploreProgress, ExploreReport, ExploreSettings, ScenarioSource } from '../../src-sim/protocol/index.ts';
import { OwnWorker } from '../own-worker.ts';
import { loadSource, store } from '../store.ts';

export type ExploreStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface ExploreState {
  /** Whether the Explore dialog is open. */
  open: boolean;
  status: ExploreStatus;
  settings: ExploreSettings;
  /** What the search in flight or last finished is about. */
  target: { source: ScenarioSource; variant: string | null; title: string } | null;
  progress: ExploreProgress | null;
  report: ExploreReport | null;
  error: string | null;
}

export const DEFAULT_SETTINGS: ExploreSettings = { maxStates: 300_000, hardware: 0, order: 'bfs' };

export const exploreStore = createStore<ExploreState>(() => ({
  open: false,
  status: 'idle',
  settings: DEFAULT_SETTINGS,
  target: null,
  progress: null,
  report: null,
  error: null,
}));

const worker = new OwnWorker();

export function setExploreOpen(open: boolean): void {
  exploreStore.setState({ open });
}

export function setExploreSettings(settings: Partial<ExploreSettings>): void {
  exploreStore.setState((s) => ({ settings: { ...s.settings, ...settings } }));
}

/**
 * Explores `source` with the dialog's settings: by default the scenario and variant on screen; a source given
 * without a variant (the editor's text) is explored in its default variant.
 */
export async function startExplore(source?: ScenarioSource, variant?: string): Promise<void> {
  const app = store.getState();
  const src = source ?? app.source;
  const v = variant ?? (source ? undefined : app.summary?.variant);
  if (!src) return;
  const { settings } = exploreStore.getState();
  const title = source ? 'The scenario in the editor' : `${app.summary?.title ?? 'The scenario on screen'} — ${v}`;
  exploreStore.setState({ open: true, status: 'running', target: { source: src, variant: v ?? null, title }, progress: null, report: null, error: null });
  // A search is silent between progress events; give its worker longer than the timeline's before calling it hung.
  const run = await worker.run(() => ({ livenessMs: 60_000 }), (client, current) =>
    client.explore(src, v, settings, (progress) => {
      if (current()) exploreStore.setState({ progress });
    }),
  );
  if (!run) return;
  if (!run.ok) {
    exploreStore.setState({ status: 'failed', error: run.error.message });
    return;
  }
  const report = run.value;
  exploreStore.setState((s) => ({
    status: 'done',
    report,
    target: s.target && source ? { ...s.target, variant: report.variant, title: `${report.scenario} — ${report.variant}` } : s.target,
  }));
}

/** Stops the search in flight (its worker is terminated). */
export function cancelExplore(): void {
  if (worker.cancel()) exploreStore.setState({ status: 'cancelled' });
}

/** Opens a finding's counterexample on the timeline, as the user's own scenario. */
export async function openCounterexample(index: number): Promise<boolean> {
  const finding = exploreStore.getState().report?.violations[index];
  if (!finding?.counterexample) return false;
  const ok = await loadSource({ kind: 'json', text: finding.counterexample });
  if (ok) exploreStore.setState({ open: false });
  return ok;
}
