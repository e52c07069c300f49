/**
 * The UI state: a zustand vanilla store and the module-level actions that change it. Components read it with
 * `useStore(store, selector)` and narrow selectors; nothing else writes it.
 */
import { createStore } from 'zustand/vanilla';
import type { PresetInfo, TimelineSummary, VariantInfo } from '../src-sim/protocol/index.ts';
import { SimClient } from './sim-client.ts';

export type PresetsStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface LoadRequest {
  scenario: string;
  /** null: the scenario's default variant. */
  variant: string | null;
}

export interface AppState {
  presets: PresetInfo[];
  presetsStatus: PresetsStatus;
  /** The load in flight, if any (the picker shows it while it runs). */
  pending: LoadRequest | null;
  /** The timeline on screen. A failed load leaves it as it was, like the worker does. */
  summary: TimelineSummary | null;
  /** The message of the error banner. */
  error: string | null;
}

export const initialState: AppState = {
  presets: [],
  presetsStatus: 'idle',
  pending: null,
  summary: null,
  error: null,
};

export const store = createStore<AppState>()(() => ({ ...initialState }));

/** The worker client; created on first use so that importing this module never starts a worker. */
let client: SimClient | null = null;

function sim(): SimClient {
  client ??= new SimClient({ onFatal: (error) => showError(error.message) });
  return client;
}

/** Replaces the worker client (unit tests inject one over a fake worker). */
export function setSimClient(next: SimClient | null): void {
  client?.dispose();
  client = next;
}

/** Only the latest load may change what is on screen. */
let loadGeneration = 0;

export async function loadPresets(): Promise<void> {
  store.setState({ presetsStatus: 'loading' });
  try {
    const presets = await sim().listPresets();
    store.setState({ presets, presetsStatus: 'ready' });
  } catch (error) {
    store.setState({ presetsStatus: 'failed' });
    showError(`Could not list the scenarios: ${messageOf(error)}`);
  }
}

/**
 * Runs a preset with a variant (null: its default) and shows its timeline. Resolves true when it is on screen; false
 * when it failed (the banner says why and the previous timeline stays) or a later load overtook it.
 */
export async function loadScenario(presetId: string, variant: string | null = null): Promise<boolean> {
  const generation = ++loadGeneration;
  store.setState({ pending: { scenario: presetId, variant } });
  try {
    const summary = await sim().load({ kind: 'preset', id: presetId }, variant ?? undefined);
    if (generation !== loadGeneration) return false;
    store.setState({ summary, pending: null, error: null });
    return true;
  } catch (error) {
    if (generation !== loadGeneration) return false;
    const what = variant === null ? `"${presetId}"` : `"${presetId}" (variant "${variant}")`;
    store.setState({ pending: null });
    showError(`Could not load scenario ${what}: ${messageOf(error)}`);
    return false;
  }
}

export function showError(message: string): void {
  store.setState({ error: message });
}

export function dismissError(): void {
  store.setState({ error: null });
}

// Selectors shared by several components.

/** The scenario the picker shows: the one loading, else the one on screen. */
export const selectPickedScenario = (s: AppState): string => s.pending?.scenario ?? s.summary?.scenarioId ?? '';

/** The variant the switch shows. */
export const selectPickedVariant = (s: AppState): string | null =>
  s.pending ? s.pending.variant : (s.summary?.variant ?? null);

const NO_VARIANTS: VariantInfo[] = [];

/** The variants of the picked scenario: from the loaded timeline, else from the preset list. */
export const selectVariants = (s: AppState): VariantInfo[] => {
  const id = selectPickedScenario(s);
  if (s.summary && s.summary.scenarioId === id) return s.summary.variants;
  return s.presets.find((p) => p.id === id)?.variants ?? NO_VARIANTS;
};

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
