/**
 * The simulation host: answers protocol requests (protocol.ts) with protocol events. The Web Worker entry binds it
 * to its message port; tests drive it directly in node. It keeps the loaded timeline; a failed load leaves the
 * previous one untouched: everything a load answers (timeline and summary) is built before it replaces anything.
 * Every message is one line; text from a request (an id, a variant name) is quoted, escaped and cut.
 */
import type { ScenarioCheck, SimEvent, SimRequest } from './protocol/messages.ts';
import type { ExploreReport, ExploreSettings } from './protocol/explore.ts';
import type { ScenarioFile } from './scenario/schema.ts';
import { explore, type ExploreResult } from './explore/explore.ts';
import { counterexample, findRace } from './explore/counterexample.ts';
import type { TraceOptions } from './protocol/messages.ts';
import type { Arch } from './model/types.ts';
import { ARCHES } from './arch/index.ts';
import { TraceImport } from './trace/import.ts';
import { feedStream } from './trace/stream.ts';
import { scenarioPieces } from './trace/scenario.ts';
import { x86Eras } from './trace/era.ts';
import { ScenarioError, locateScenarioError, parseScenarioText, variantNames } from './scenario/load.ts';
import { presetById, presetInfos } from './scenario/presets.ts';
import { Timeline } from './timeline/timeline.ts';
import { timeAxis, tracksWindow } from './timeline/tracks_query.ts';
import { playheadView } from './timeline/view.ts';
import { compareTimelines } from './timeline/compare.ts';
import { jsonPieces, runReport } from './timeline/report.ts';
import type { TimelineSlot } from './protocol/messages.ts';
import { oneLine, quote, shown } from './scenario/quote.ts';

/** Most buckets a tracks request may ask for. */
export const MAX_BUCKETS = 10_000;

/** A request's number field: an integer in [min, max], or a RangeError naming the field. */
function intIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${typeof v === 'string' ? quote(v) : shown(v)}`);
  if (v < min || v > max) throw new RangeError(`${name} ${v} is out of range (${min}..${max})`);
  return v;
}

/**
 * The report's JSON text in chunks of about a megabyte: a run of millions of steps makes a text longer than a string
 * may be, and the app writes the chunks straight into a file (a Blob), never joining them.
 */
function reportChunks(report: unknown): string[] {
  const chunks: string[] = [];
  let buf: string[] = [];
  let size = 0;
  for (const piece of jsonPieces(report)) {
    buf.push(piece);
    size += piece.length;
    if (size >= 1 << 20) {
      chunks.push(buf.join(''));
      buf = [];
      size = 0;
    }
  }
  buf.push('\n');
  chunks.push(buf.join(''));
  return chunks;
}

export interface SimHost {
  /** Answers a request; `emit`, if given, receives `sim/progress` events for that request first (long loads). */
  handle(req: SimRequest, emit?: (event: SimEvent) => void): SimEvent;
  /** Answers any request, including those that read a stream (a trace import); the worker uses this one. */
  handleAsync(req: SimRequest, emit?: (event: SimEvent) => void): Promise<SimEvent>;
}

export function createHost(): SimHost {
  let timeline: Timeline | null = null;
  /** Another variant of the same scenario, run for the compare view. */
  let compared: Timeline | null = null;
  const need = (slot: TimelineSlot = 'main'): Timeline => {
    if (slot === 'compare') {
      if (!compared) throw new ScenarioError('', 'no variant is being compared');
      return compared;
    }
    if (!timeline) throw new ScenarioError('', 'no scenario is loaded');
    return timeline;
  };

  /** Where the request being answered reports progress, if anywhere. */
  let progress: ((event: SimEvent) => void) | undefined;

  function answer(req: SimRequest): SimEvent {
    switch (req.type) {
      case 'sim/presetsRequested':
        return { type: 'sim/presetsListed', seq: req.seq, presets: presetInfos() };
      case 'sim/loadRequested': {
        const file = scenarioOf(req.source);
        if (req.variant != null && typeof req.variant !== 'string') throw new ScenarioError('variant', `expected a variant name, got ${shown(req.variant)}`);
        // Build everything the answer needs before replacing anything: a failure leaves the loaded timeline as it was.
        const seq = req.seq;
        const report = progress;
        const t = new Timeline(file, req.variant ?? null, report ? { onProgress: (done, total) => report({ type: 'sim/progress', seq, done, total }) } : {});
        const summary = t.summary();
        timeline = t;
        compared = null;
        return { type: 'sim/loaded', seq: req.seq, summary };
      }
      case 'sim/microstepsRequested': {
        const t = need();
        const from = intIn('from', req.from, 0, t.microstepCount);
        const to = intIn('to', req.to, from, t.microstepCount);
        const rows = [];
        for (let i = from; i < to; i++) rows.push(t.microstepRow(i));
        return { type: 'sim/microstepsListed', seq: req.seq, from, rows };
      }
      case 'sim/snapshotRequested': {
        const t = need();
        // -1: the initial state; n - 1: the final one.
        const ms = intIn('microstep', req.microstep, -1, t.microstepCount - 1);
        return { type: 'sim/snapshotReady', seq: req.seq, microstep: ms, snapshot: t.stateAt(ms) };
      }
      case 'sim/tracksRequested': {
        const t = need(req.of);
        const n = t.microstepCount;
        const from = intIn('from', req.from, 0, n);
        const to = intIn('to', req.to, from, n);
        const buckets = intIn('buckets', req.buckets, 1, MAX_BUCKETS);
        if (req.axis !== undefined && req.axis !== 'microstep' && req.axis !== 'time') throw new ScenarioError('axis', `expected "microstep" or "time", got ${shown(req.axis)}`);
        // Buckets even in trace time when asked and the run has a trace clock; otherwise in micro-steps.
        const clock = req.axis === 'time' ? t.clock : null;
        return { type: 'sim/tracksReady', seq: req.seq, window: tracksWindow(t, from, to, buckets, clock ? timeAxis(clock) : undefined) };
      }
      case 'sim/compareRequested': {
        const t = need();
        if (req.variant === null) {
          compared = null;
          return { type: 'sim/compared', seq: req.seq, summary: null, compare: null };
        }
        if (typeof req.variant !== 'string') throw new ScenarioError('variant', `expected a variant name or null, got ${shown(req.variant)}`);
        const other = new Timeline(t.file, req.variant);
        const summary = other.summary();
        const compare = compareTimelines(t, other);
        compared = other;
        return { type: 'sim/compared', seq: req.seq, summary, compare };
      }
      case 'sim/reportRequested':
        return { type: 'sim/reportReady', seq: req.seq, text: reportChunks(runReport(need())) };
      case 'sim/validateRequested': {
        if (typeof req.text !== 'string') throw new ScenarioError('text', `expected the scenario as text, got ${shown(req.text)}`);
        return { type: 'sim/validated', seq: req.seq, check: checkScenarioText(req.text) };
      }
      case 'sim/presetTextRequested': {
        const file = typeof req.id === 'string' ? presetById(req.id) : undefined;
        if (!file) throw new ScenarioError('id', `no preset with id ${shown(req.id)}`);
        return { type: 'sim/presetText', seq: req.seq, text: `${JSON.stringify(file, null, 2)}\n` };
      }
      case 'sim/exploreRequested': {
        const file = scenarioOf(req.source);
        if (req.variant != null && typeof req.variant !== 'string') throw new ScenarioError('variant', `expected a variant name, got ${shown(req.variant)}`);
        const settings = exploreSettings(req.settings);
        const seq = req.seq;
        const report = progress;
        const t0 = performance.now();
        const result = explore(file, req.variant ?? null, {
          maxStates: settings.maxStates,
          hardware: settings.hardware,
          order: settings.order,
          progressEvery: EXPLORE_PROGRESS_EVERY,
          onProgress: report
            ? (p) => report({ type: 'sim/exploreProgress', seq, progress: { ...p, ms: Math.round(performance.now() - t0), maxStates: settings.maxStates } })
            : undefined,
        });
        return { type: 'sim/explored', seq, report: exploreReport(file, result, settings.hardware) };
      }
      case 'sim/viewRequested': {
        const t = need(req.of);
        const at = intIn('t', req.t, 0, t.microstepCount);
        return { type: 'sim/viewReady', seq: req.seq, view: playheadView(t, at) };
      }
      default:
        throw new ScenarioError('type', `unknown request ${shown((req as { type?: unknown } | null)?.type)}`);
    }
  }

  const failed = (req: SimRequest, err: unknown): SimEvent => {
    const seq = typeof req?.seq === 'number' ? req.seq : -1;
    const path = err instanceof ScenarioError ? err.path : undefined;
    const message = oneLine(err instanceof ScenarioError || err instanceof RangeError ? err.message : `internal error: ${(err as Error)?.message}`);
    return { type: 'sim/failed', seq, error: { message, ...(path ? { path } : {}) } };
  };

  const host: SimHost = {
    handle(req, emit) {
      progress = emit;
      try {
        if (req?.type === 'sim/traceRequested') throw new ScenarioError('type', 'a trace import reads a stream: send it through handleAsync');
        return answer(req);
      } catch (err) {
        return failed(req, err);
      }
    },
    async handleAsync(req, emit) {
      if (req?.type !== 'sim/traceRequested') return host.handle(req, emit);
      try {
        return await importTrace(req, emit);
      } catch (err) {
        return failed(req, err);
      }
    },
  };
  return host;
}

/** Tell the app how far a trace import got about every this many bytes. */
const TRACE_PROGRESS_BYTES = 1 << 20;

/** A kernel trace, streamed through the importer (src-sim/trace/): its report, and its scenario as JSON text. */
async function importTrace(req: Extract<SimRequest, { type: 'sim/traceRequested' }>, emit?: (event: SimEvent) => void): Promise<SimEvent> {
  const file = req.file as unknown;
  if (typeof Blob === 'undefined' || !(file instanceof Blob)) throw new ScenarioError('file', 'expected the trace as a file');
  const name = typeof req.name === 'string' && req.name !== '' ? req.name.slice(0, 256) : 'trace';
  const o = traceOptions(req.options);
  const imp = new TraceImport({ name, ...o });
  let told = 0;
  await feedStream(file.stream(), imp, (bytes) => {
    if (bytes - told < TRACE_PROGRESS_BYTES) return;
    told = bytes;
    emit?.({ type: 'sim/progress', seq: req.seq, done: bytes, total: file.size });
  });
  const { report, scenario } = imp.finish();
  if (report.fatal) throw new ScenarioError('', `${quote(name)}: ${report.fatal}`);
  return { type: 'sim/traceImported', seq: req.seq, report, scenario: scenario ? [...scenarioPieces(scenario)].join('') : null, eras: x86Eras() };
}

function traceOptions(v: unknown): { arch: Arch | null; cpus: number[] | null; from: number | null; to: number | null; era: string | null } {
  const o = (v ?? {}) as Partial<Record<keyof TraceOptions, unknown>>;
  const arch = o.arch ?? null;
  if (arch !== null && !(typeof arch === 'string' && Object.hasOwn(ARCHES, arch))) throw new ScenarioError('options.arch', `no architecture ${typeof arch === 'string' ? quote(arch) : shown(arch)} (${Object.keys(ARCHES).join(', ')})`);
  let cpus: number[] | null = null;
  if (o.cpus != null) {
    if (!Array.isArray(o.cpus) || o.cpus.length === 0 || o.cpus.length > 4096) throw new ScenarioError('options.cpus', 'expected a list of 1 to 4096 CPU numbers');
    cpus = o.cpus.map((c, i) => intIn(`options.cpus[${i}]`, c, 0, 65_535));
  }
  const time = (key: 'from' | 'to'): number | null => {
    const t = o[key];
    if (t == null) return null;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new ScenarioError(`options.${key}`, `expected a time in seconds, got ${shown(t)}`);
    return t;
  };
  const from = time('from');
  const to = time('to');
  if (from !== null && to !== null && to < from) throw new ScenarioError('options.to', `the window ends (${to}) before it starts (${from})`);
  const era = o.era ?? null;
  if (era !== null && !(typeof era === 'string' && x86Eras().includes(era))) throw new ScenarioError('options.era', `no era ${typeof era === 'string' ? quote(era) : shown(era)} (${x86Eras().join(', ')})`);
  return { arch: arch as Arch | null, cpus, from, to, era };
}

/** The scenario a request names: a preset by id, or a user's JSON text (validated by the loader). */
function scenarioOf(source: unknown): ScenarioFile {
  const src = source as { kind?: unknown; id?: unknown; text?: unknown } | undefined;
  if (src?.kind === 'preset') {
    const file = typeof src.id === 'string' ? presetById(src.id) : undefined;
    if (!file) throw new ScenarioError('scenario', `no preset with id ${shown(src.id)}`);
    return file;
  }
  if (src?.kind === 'json') return parseScenarioText(src.text as string);
  throw new ScenarioError('source', `expected a preset id or a JSON text, got ${shown(src?.kind)}`);
}

/** Tell the app how a search goes every this many new states (a few times a second at the explorer's speed). */
const EXPLORE_PROGRESS_EVERY = 2_000;
/** The most states the app may ask one search for (the CLI has no such cap). */
export const MAX_EXPLORE_STATES = 5_000_000;

function exploreSettings(v: unknown): ExploreSettings {
  const o = (v ?? {}) as Partial<Record<keyof ExploreSettings, unknown>>;
  if (o.order !== 'bfs' && o.order !== 'dfs') throw new ScenarioError('settings.order', `expected "bfs" or "dfs", got ${typeof o.order === 'string' ? quote(o.order) : shown(o.order)}`);
  return { maxStates: intIn('settings.maxStates', o.maxStates, 1, MAX_EXPLORE_STATES), hardware: intIn('settings.hardware', o.hardware, 0, 8), order: o.order };
}

/** The race search's bound in the app (each violation's; the CLI allows more): a few seconds at the explorer's speed. */
const RACE_STATES = 50_000;

/**
 * The explorer's result as the app shows it: each violation with its schedule written as a scenario file (lazytlb/2,
 * an explicit schedule that replays to it: explore/counterexample.ts) and its race, marked in that file.
 */
function exploreReport(file: ScenarioFile, r: ExploreResult, hardware: number): ExploreReport {
  const { violations, ...rest } = r;
  return {
    ...rest,
    violations: violations.map((v) => {
      const race = findRace(file, r.variant, v, { hardware, totalStates: RACE_STATES });
      const text = JSON.stringify(counterexample(file, r.variant, v, race), null, 2) + '\n';
      return { id: v.id, message: v.message, at: v.at, schedule: v.schedule, counterexample: text, race: race && { first: race.first.move, second: race.second.move, note: race.note } };
    }),
  };
}

/** The editor's check of a scenario text: the loader's first error with its line and column, or what the file holds. */
export function checkScenarioText(text: string): ScenarioCheck {
  try {
    const f = parseScenarioText(text);
    return { error: null, info: { id: f.id, title: f.title, variants: variantNames(f), steps: f.steps.length } };
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { error: { path: e.path, message: e.message, ...locateScenarioError(text, e) }, info: null };
  }
}
