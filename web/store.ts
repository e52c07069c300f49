/**
 * The UI state: a zustand vanilla store and the module-level actions that change it. Components read it with
 * `useStore(store, selector)` and narrow selectors; nothing else writes it.
 */
import { createStore } from 'zustand/vanilla';
import type { CompareInfo, PlayheadView, PresetInfo, ScenarioCheck, ScenarioSource, TimelineSummary, TracksWindow, VariantInfo } from '../src-sim/protocol/index.ts';
import { clampPosition, lockstep, startPosition } from './position.ts';
import type { Deck } from './deck.ts';
import { SimClient } from './sim-client.ts';
import { axisMapOf, clampTimeWindow, type AxisMap } from './axis-map.ts';

export type PresetsStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface LoadRequest {
  /** The preset id, or the id a user's own scenario file gives itself. */
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
  /** Where the timeline on screen came from: a preset, or a user's own scenario (its text). */
  source: ScenarioSource | null;
  /** The message of the error banner. */
  error: string | null;
  /** How far the load in flight got (the worker reports it on long runs). */
  progress: { done: number; total: number } | null;
  /** The playhead: micro-steps done (0 = initial state, summary.microstepCount = final). */
  t: number;
  /** The state at the playhead as the worker served it (its `t` may lag `t` while a request is in flight). */
  view: PlayheadView | null;
  /** The visible window of the time axis, [from, to]. */
  domain: [number, number];
  /** Tracks for (about) the visible window. */
  tracks: TracksWindow | null;
  playing: boolean;
  /** Micro-steps per second while playing. */
  speed: number;
  /** Index into summary.violations of the violation whose explanation is open, if any. */
  focusedViolation: number | null;
  helpOpen: boolean;
  presenting: boolean;
  theme: 'auto' | 'light' | 'dark';
  /** The talk deck in use, and the stop the clicker is at. */
  deck: Deck | null;
  deckIndex: number | null;
  /** Speaker notes shown in presentation mode (`n`). */
  notesShown: boolean;
  /** Another variant shown beside the main one, in lockstep by step. */
  compare: CompareSlot | null;
  /** Lanes of a run imported from a kernel trace are drawn on the trace's time (axis-map.ts); false: in micro-steps. */
  timeAxis: boolean;
}

export interface CompareSlot {
  summary: TimelineSummary;
  info: CompareInfo;
  /** The compared variant's playhead: the main playhead's step, mapped (position.ts `lockstep`). */
  t: number;
  view: PlayheadView | null;
  tracks: TracksWindow | null;
}

export const initialState: AppState = {
  presets: [],
  presetsStatus: 'idle',
  pending: null,
  summary: null,
  source: null,
  error: null,
  progress: null,
  t: 0,
  view: null,
  domain: [0, 1],
  tracks: null,
  playing: false,
  speed: 4,
  focusedViolation: null,
  helpOpen: false,
  presenting: false,
  theme: 'auto',
  deck: null,
  deckIndex: null,
  notesShown: false,
  compare: null,
  timeAxis: true,
};

export const store = createStore<AppState>()(() => ({ ...initialState }));

/** The worker client; created on first use so that importing this module never starts a worker. */
let client: SimClient | null = null;

function sim(): SimClient {
  client ??= new SimClient({
    onFatal: (error) => void recover(error),
    onProgress: (done, total) => store.setState({ progress: { done, total } }),
  });
  return client;
}

/** Recoveries in the last minute: a scenario that keeps killing the worker is not re-loaded forever. */
let recoveries: number[] = [];

/**
 * The worker died, hung or talked nonsense and was dropped. Re-load what is on screen into a fresh worker (same
 * variant, same playhead) so the app keeps working, and say what happened.
 */
async function recover(error: Error): Promise<void> {
  const { source, summary, t } = store.getState();
  const now = Date.now();
  recoveries = recoveries.filter((at) => now - at < 60_000);
  if (!source || !summary || recoveries.length >= 2) {
    store.setState({ pending: null, progress: null });
    showError(`${error.message}.${source && summary ? ' It failed again after a restart; reload the page.' : ''}`);
    return;
  }
  recoveries.push(now);
  const ok = await loadSource(source, summary.variant === '' ? null : summary.variant, () => t);
  showError(
    ok
      ? `${error.message}. The worker was restarted and the scenario on screen re-loaded.`
      : `${error.message}. Restarting the worker did not bring the scenario back; reload the page.`,
  );
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

/** The loader's verdict on a scenario text, with the error's line and column (the editor's live check). */
export function checkScenario(text: string): Promise<ScenarioCheck> {
  return sim().validate(text);
}

/** The text of the scenario a source names: a preset's file as JSON, or the user's own text. */
export async function scenarioText(source: ScenarioSource): Promise<string> {
  return source.kind === 'preset' ? sim().presetText(source.id) : source.text;
}

/** The preset that teaches the mechanism itself; thread presets say which of its steps they build on (`basics`). */
export const BASICS_ID = 't0-lazy-tlb-basics';

/**
 * Runs a preset with a variant (null: its default) and shows its timeline. Resolves true when it is on screen; false
 * when it failed (the banner says why and the previous timeline stays) or a later load overtook it.
 */
export function loadScenario(
  presetId: string,
  variant: string | null = null,
  at: ((summary: TimelineSummary) => number | null) | null = null,
): Promise<boolean> {
  return loadSource({ kind: 'preset', id: presetId }, variant, at);
}

/** Another variant of the scenario on screen (preset or the user's own). */
export function loadVariant(variant: string): Promise<boolean> {
  const { source, summary } = store.getState();
  if (!source || !summary) return Promise.resolve(false);
  return loadSource(source, variant);
}

/**
 * Runs a scenario (a preset, or the text of a user's own file) and shows its timeline. The playhead goes where `at`
 * says, else stays where it was when the same scenario is reloaded (a variant switch), else after the setup steps.
 */
export async function loadSource(
  source: ScenarioSource,
  variant: string | null = null,
  at: ((summary: TimelineSummary) => number | null) | null = null,
): Promise<boolean> {
  const presetId = source.kind === 'preset' ? source.id : 'your scenario';
  const generation = ++loadGeneration;
  const shownId = store.getState().summary?.scenarioId ?? '';
  store.setState({ pending: { scenario: source.kind === 'preset' ? source.id : shownId, variant } });
  try {
    const summary = await sim().load(source, variant ?? undefined);
    if (generation !== loadGeneration) return false;
    const previous = store.getState();
    // Switching variant of the same scenario keeps the playhead where it was (the steps are the same).
    const keep = previous.summary?.scenarioId === summary.scenarioId ? previous.t : null;
    const t = clampPosition(at?.(summary) ?? keep ?? startPosition(summary), summary.microstepCount);
    store.setState({
      summary,
      source,
      pending: null,
      progress: null,
      error: null,
      t,
      view: null,
      tracks: null,
      domain: clampOn(axisMapOf(summary, previous.timeAxis), 0, summary.microstepCount, summary.microstepCount),
      playing: false,
      focusedViolation: null,
    });
    void fetchView(t);
    // The worker dropped the compared timeline with the old one: run it again beside the new main timeline.
    const compared = previous.compare?.summary.variant;
    store.setState({ compare: null });
    if (compared && previous.summary?.scenarioId === summary.scenarioId && compared !== summary.variant) void compareWith(compared);
    return true;
  } catch (error) {
    if (generation !== loadGeneration) return false;
    const what = source.kind === 'json' ? 'your scenario' : variant === null ? `scenario "${presetId}"` : `scenario "${presetId}" (variant "${variant}")`;
    store.setState({ pending: null, progress: null });
    showError(`Could not load ${what}: ${messageOf(error)}`);
    return false;
  }
}

// ---- the playhead ----

/**
 * One view request in flight at a time: while it runs, the playhead may move many times; when it lands it is shown
 * (its `t` says which position it is; the panels name it) and the latest position is asked for next. Scrubbing thus
 * shows states as fast as the worker answers, never queues hundreds of requests, and ends on the playhead's state.
 */
let viewInFlight = false;
let viewWanted: number | null = null;

async function fetchView(t: number): Promise<void> {
  viewWanted = t;
  if (viewInFlight) return;
  viewInFlight = true;
  try {
    while (viewWanted !== null) {
      const target = viewWanted;
      viewWanted = null;
      const loaded = store.getState().summary;
      try {
        const view = await sim().view(target);
        // A view of a timeline that is no longer on screen must not land.
        if (store.getState().summary === loaded) store.setState({ view });
      } catch (error) {
        if (store.getState().summary === loaded && viewWanted === null) showError(`Could not show the state at micro-step ${target}: ${messageOf(error)}`);
      }
    }
  } finally {
    viewInFlight = false;
  }
}

/** Moves the playhead (clamped to the timeline) and fetches the state there. */
export function seek(t: number): void {
  const { summary, t: current } = store.getState();
  if (!summary) return;
  const next = clampPosition(t, summary.microstepCount);
  if (next === current && store.getState().view?.t === next) return;
  store.setState({ t: next });
  void fetchView(next);
}

/** The run as JSON (what `npm run sim -- run --json` prints), from the worker, in chunks (never one huge string). */
export async function runReportText(): Promise<string[] | null> {
  try {
    return await sim().report();
  } catch (error) {
    showError(`Could not export the run: ${messageOf(error)}`);
    return null;
  }
}

// ---- compare: another variant in lockstep ----

let compareGeneration = 0;

/** Shows `variant` of the scenario on screen beside it (null: stop comparing). */
export async function compareWith(variant: string | null): Promise<void> {
  const generation = ++compareGeneration;
  try {
    const { summary, compare } = await sim().compare(variant);
    if (generation !== compareGeneration) return;
    const main = store.getState();
    if (!summary || !compare || !main.summary) {
      store.setState({ compare: null });
      return;
    }
    const t = lockstep(main.summary.steps, summary.steps, main.t);
    store.setState({ compare: { summary, info: compare, t, view: null, tracks: null } });
    void fetchCompareView(t);
  } catch (error) {
    if (generation === compareGeneration) showError(`Could not run variant "${variant}" beside this one: ${messageOf(error)}`);
  }
}

let compareViewGeneration = 0;

async function fetchCompareView(t: number): Promise<void> {
  const generation = ++compareViewGeneration;
  try {
    const view = await sim().view(t, 'compare');
    const c = store.getState().compare;
    if (generation === compareViewGeneration && c && c.t === t) store.setState({ compare: { ...c, view } });
  } catch {
    // The compared timeline was replaced or dropped meanwhile; the next move fetches again.
  }
}

export async function fetchCompareTracks(buckets: number): Promise<void> {
  const c = store.getState().compare;
  if (!c) return;
  try {
    const axis = axisMapOf(c.summary, store.getState().timeAxis).kind;
    const tracks = await sim().tracks(0, c.summary.microstepCount, Math.max(1, Math.min(10_000, Math.round(buckets))), 'compare', axis);
    const now = store.getState().compare;
    if (now && now.summary === c.summary) store.setState({ compare: { ...now, tracks } });
  } catch {
    // as above
  }
}

// The compared variant follows the main playhead, step for step.
store.subscribe((s, prev) => {
  if (!s.compare || !s.summary || (s.t === prev.t && s.compare.summary === prev.compare?.summary)) return;
  const t = lockstep(s.summary.steps, s.compare.summary.steps, s.t);
  if (t === s.compare.t && s.compare.view) return;
  store.setState({ compare: { ...s.compare, t } });
  void fetchCompareView(t);
});

/** Only the latest tracks request may land. */
let tracksGeneration = 0;

/** Fetches tracks for [from, to] of the axis at `buckets` resolution (the lanes ask about one bucket per 2 px). */
export async function fetchTracks(from: number, to: number, buckets: number): Promise<void> {
  const { summary } = store.getState();
  if (!summary) return;
  const n = summary.microstepCount;
  const lo = Math.max(0, Math.min(n, Math.floor(from)));
  const hi = Math.max(lo, Math.min(n, Math.ceil(to)));
  const generation = ++tracksGeneration;
  try {
    const axis = selectAxis(store.getState()).kind;
    const tracks = await sim().tracks(lo, hi, Math.max(1, Math.min(10_000, Math.round(buckets))), 'main', axis);
    if (generation === tracksGeneration) store.setState({ tracks });
  } catch (error) {
    if (generation === tracksGeneration) showError(`Could not fetch the lanes: ${messageOf(error)}`);
  }
}

/** Smallest window the lanes zoom to, in micro-steps. */
const MIN_WINDOW = 6;

/** Clamps a window to the timeline, keeping its width where it can. */
export function clampWindow(from: number, to: number, n: number): [number, number] {
  const width = Math.min(Math.max(Math.min(MIN_WINDOW, n), to - from), Math.max(1, n));
  let lo = from;
  if (lo + width > n) lo = n - width;
  if (lo < 0) lo = 0;
  return [lo, lo + width];
}

/** The main lanes' axis: the run's trace time when it has one and it is wanted, else micro-steps (axis-map.ts). */
export const selectAxis = (s: AppState): AxisMap => axisMapOf(s.summary, s.timeAxis);

/** A window clamped to the timeline on `map`'s axis. */
function clampOn(map: AxisMap, from: number, to: number, n: number): [number, number] {
  return map.kind === 'microstep' ? clampWindow(from, to, n) : clampTimeWindow(map, from, to, n);
}

/** Shows [from, to] of the axis (clamped to the timeline). */
export function setWindow(from: number, to: number): void {
  const s = store.getState();
  if (!s.summary) return;
  const next = clampOn(selectAxis(s), from, to, s.summary.microstepCount);
  const { domain } = s;
  // The same window again (a sync echo, a no-op gesture) is not a change: no re-render, no loop.
  if (Math.abs(next[0] - domain[0]) < 1e-6 && Math.abs(next[1] - domain[1]) < 1e-6) return;
  store.setState({ domain: next });
}

/**
 * Zooms the visible window by `factor` (< 1 zooms in) around position `around` (default: the playhead), evenly on the
 * lanes' axis (on a trace's time, the idle stretches grow with the rest).
 */
export function zoomWindow(factor: number, around?: number): [number, number] | null {
  const s = store.getState();
  const { summary, domain, t } = s;
  if (!summary) return null;
  const map = selectAxis(s);
  const c = map.of(around ?? (t >= domain[0] && t <= domain[1] ? t : (domain[0] + domain[1]) / 2));
  const [u0, u1] = [map.of(domain[0]), map.of(domain[1])];
  const next = clampOn(map, map.position(c - (c - u0) * factor), map.position(c + (u1 - c) * factor), summary.microstepCount);
  store.setState({ domain: next });
  return next;
}

/** Pans the visible window by a fraction of its width on the lanes' axis (negative: left). */
export function panWindow(fraction: number): [number, number] | null {
  const s = store.getState();
  const { summary, domain } = s;
  if (!summary) return null;
  const map = selectAxis(s);
  const [u0, u1] = [map.of(domain[0]), map.of(domain[1])];
  const d = (u1 - u0) * fraction;
  const next = clampOn(map, map.position(u0 + d), map.position(u1 + d), summary.microstepCount);
  store.setState({ domain: next });
  return next;
}

/** Draws the lanes of a trace's run on its time, or in micro-steps; the window keeps the same stretch of the run. */
export function setTimeAxis(timeAxis: boolean): void {
  const s = store.getState();
  if (s.timeAxis === timeAxis) return;
  const n = s.summary?.microstepCount ?? 0;
  const map = axisMapOf(s.summary, timeAxis);
  store.setState({ timeAxis, tracks: null, domain: s.summary ? clampOn(map, s.domain[0], s.domain[1], n) : s.domain });
}

export function setPlaying(playing: boolean): void {
  store.setState({ playing });
}

export function setSpeed(speed: number): void {
  store.setState({ speed });
}

export function focusViolation(index: number | null): void {
  store.setState({ focusedViolation: index });
}

export function setHelpOpen(helpOpen: boolean): void {
  store.setState({ helpOpen });
}

export function setPresenting(presenting: boolean): void {
  store.setState({ presenting });
}

export function setTheme(theme: AppState['theme']): void {
  store.setState({ theme });
}

/** Longest banner: text echoed from input or a broken worker is cut, and control characters shown as spaces. */
const MAX_MESSAGE = 500;

export function showError(message: string): void {
  // eslint-disable-next-line no-control-regex
  const clean = message.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  store.setState({ error: clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean });
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
