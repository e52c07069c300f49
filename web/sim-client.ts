/**
 * A typed client for the simulation worker (src-sim/worker.ts), speaking src-sim/protocol.ts.
 *
 * Every request gets a fresh `seq` and one promise; the worker answers each request with exactly one event carrying
 * the same `seq` (a long load may send `sim/progress` events for its seq first). The promise resolves with that event,
 * or rejects with a `SimFailedError` when the worker answers `sim/failed`.
 *
 * A worker that breaks the protocol (a message that is not an event, an answer nobody asked for, an answer of the
 * wrong type), crashes, closes itself, or says nothing for `livenessMs` while requests wait, is dropped: every waiting
 * request rejects with a `SimProtocolError`, `onFatal` is told, and the next request starts a fresh worker.
 */
import type { ScenarioCheck, ScenarioSource, SimError, SimEvent, SimRequest } from '../src-sim/protocol/index.ts';
import type { ExploreProgress, ExploreReport, ExploreSettings, TraceOptions, TraceReport } from '../src-sim/protocol/index.ts';
import type { CompareInfo, MicrostepRow, PlayheadView, PresetInfo, TimelineSlot, TimelineSummary, TracksWindow } from '../src-sim/protocol/index.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request as the caller writes it: the client adds the `seq`. */
export type SimRequestBody = DistributiveOmit<SimRequest, 'seq'>;
export type SimRequestType = SimRequest['type'];

/** The successful answer to each request type. */
const ANSWER_TYPE = {
  'sim/presetsRequested': 'sim/presetsListed',
  'sim/loadRequested': 'sim/loaded',
  'sim/microstepsRequested': 'sim/microstepsListed',
  'sim/snapshotRequested': 'sim/snapshotReady',
  'sim/tracksRequested': 'sim/tracksReady',
  'sim/viewRequested': 'sim/viewReady',
  'sim/compareRequested': 'sim/compared',
  'sim/reportRequested': 'sim/reportReady',
  'sim/validateRequested': 'sim/validated',
  'sim/presetTextRequested': 'sim/presetText',
  'sim/exploreRequested': 'sim/explored',
  'sim/traceRequested': 'sim/traceImported',
} as const satisfies Record<SimRequestType, Exclude<SimEvent['type'], 'sim/failed' | 'sim/progress' | 'sim/exploreProgress'>>;

export type AnswerTo<T extends SimRequestType> = Extract<SimEvent, { type: (typeof ANSWER_TYPE)[T] }>;
export type Snapshot = AnswerTo<'sim/snapshotRequested'>['snapshot'];

/** The worker refused a request (bad input, unknown preset...). Its message is meant for the user. */
export class SimFailedError extends Error {
  override readonly name = 'SimFailedError';
  readonly path: string | undefined;
  readonly request: SimRequestType;

  constructor(error: SimError, request: SimRequestType) {
    super(error.message);
    this.path = error.path;
    this.request = request;
  }
}

/** The worker broke the protocol, crashed, or the client was disposed: a bug or an environment problem. */
export class SimProtocolError extends Error {
  override readonly name = 'SimProtocolError';
}

/** What the client needs from a Worker; a real `Worker` fits, and so does a fake in unit tests. */
export interface WorkerLike {
  postMessage(message: SimRequest): void;
  addEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void;
  terminate(): void;
}

export interface SimClientOptions {
  /** Creates the worker; called lazily on the first request and again after the worker crashed. */
  spawn?: () => WorkerLike;
  /** Told about protocol breaks, worker crashes and hangs (the UI shows them and re-loads what was on screen). */
  onFatal?: (error: Error) => void;
  /** Told about a long request's progress (`done` of `total`). */
  onProgress?: (done: number, total: number) => void;
  /** How long the worker may stay silent while a request waits before it counts as hung (default 8 s). */
  livenessMs?: number;
  /** Time source and timer, replaceable in unit tests. */
  clock?: { now(): number; every(ms: number, fn: () => void): () => void };
}

const REAL_CLOCK = {
  now: () => performance.now(),
  every(ms: number, fn: () => void): () => void {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};

interface Pending {
  type: SimRequestType;
  resolve: (event: SimEvent) => void;
  reject: (error: Error) => void;
  /** Told of this request's search progress (`sim/exploreProgress`), if it is a search. */
  onExploreProgress?: (progress: ExploreProgress) => void;
}

/** The one place that names the worker module, in the form Vite recognises and bundles. */
export function spawnSimWorker(): WorkerLike {
  return new Worker(new URL('../src-sim/worker.ts', import.meta.url), { type: 'module', name: 'lazytlb-sim' });
}

export class SimClient {
  readonly #spawn: () => WorkerLike;
  readonly #onFatal: ((error: Error) => void) | undefined;
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  readonly #livenessMs: number;
  readonly #clock: NonNullable<SimClientOptions['clock']>;
  /** When the worker last said anything, and the watchdog that runs while requests wait. */
  #lastHeard = 0;
  #stopWatch: (() => void) | null = null;
  #worker: WorkerLike | null = null;
  #nextSeq = 1;
  /** In request order; the worker answers in that order too. */
  readonly #pending = new Map<number, Pending>();
  #disposed = false;

  constructor(options: SimClientOptions = {}) {
    this.#spawn = options.spawn ?? spawnSimWorker;
    this.#onFatal = options.onFatal;
    this.#onProgress = options.onProgress;
    this.#livenessMs = options.livenessMs ?? 8_000;
    this.#clock = options.clock ?? REAL_CLOCK;
  }

  /** Requests sent and not answered yet. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  async listPresets(): Promise<PresetInfo[]> {
    return (await this.request({ type: 'sim/presetsRequested' })).presets;
  }

  async load(source: ScenarioSource, variant?: string): Promise<TimelineSummary> {
    return (await this.request({ type: 'sim/loadRequested', source, variant })).summary;
  }

  /** Micro-step rows [from, to) of the loaded timeline. */
  async microsteps(from: number, to: number): Promise<{ from: number; rows: MicrostepRow[] }> {
    const { from: first, rows } = await this.request({ type: 'sim/microstepsRequested', from, to });
    return { from: first, rows };
  }

  async snapshot(microstep: number): Promise<Snapshot> {
    return (await this.request({ type: 'sim/snapshotRequested', microstep })).snapshot;
  }

  /** Tracks for positions [from, to] at a resolution of `buckets`, even in micro-steps or a trace's time (src-sim/protocol/tracks.ts). */
  async tracks(from: number, to: number, buckets: number, of: TimelineSlot = 'main', axis: 'microstep' | 'time' = 'microstep'): Promise<TracksWindow> {
    return (await this.request({ type: 'sim/tracksRequested', from, to, buckets, of, ...(axis === 'time' ? { axis } : {}) })).window;
  }

  /** The state at position t, as the UI shows it. */
  async view(t: number, of: TimelineSlot = 'main'): Promise<PlayheadView> {
    return (await this.request({ type: 'sim/viewRequested', t, of })).view;
  }

  /** The run as `npm run sim -- run --json` prints it. */
  async report(): Promise<string[]> {
    return (await this.request({ type: 'sim/reportRequested' })).text;
  }

  /** The loader's verdict on a scenario text, with the error's place (the editor's live check). */
  async validate(text: string): Promise<ScenarioCheck> {
    return (await this.request({ type: 'sim/validateRequested', text })).check;
  }

  /** A preset's file as JSON text. */
  async presetText(id: string): Promise<string> {
    return (await this.request({ type: 'sim/presetTextRequested', id })).text;
  }

  /**
   * Explores every interleaving of a scenario variant. Long: give it a client of its own and dispose that client to
   * cancel (the worker is terminated mid-search).
   */
  async explore(source: ScenarioSource, variant: string | undefined, settings: ExploreSettings, onProgress?: (p: ExploreProgress) => void): Promise<ExploreReport> {
    return (await this.request({ type: 'sim/exploreRequested', source, variant, settings }, onProgress)).report;
  }

  /** Imports a kernel trace file: its report, and the scenario reconstructed from it (JSON text, or null). */
  async importTrace(file: Blob, name: string, options: TraceOptions): Promise<{ report: TraceReport; scenario: string | null; eras: readonly string[] }> {
    const { report, scenario, eras } = await this.request({ type: 'sim/traceRequested', file, name, options });
    return { report, scenario, eras };
  }

  /** Runs another variant beside the loaded one (null: stop comparing). */
  async compare(variant: string | null): Promise<{ summary: TimelineSummary | null; compare: CompareInfo | null }> {
    const { summary, compare } = await this.request({ type: 'sim/compareRequested', variant });
    return { summary, compare };
  }

  /** Sends one request; resolves with its answer, rejects with SimFailedError on `sim/failed`. */
  request<B extends SimRequestBody>(body: B, onExploreProgress?: (progress: ExploreProgress) => void): Promise<AnswerTo<B['type']>> {
    if (this.#disposed) return Promise.reject(new SimProtocolError('the simulation client was disposed'));
    const seq = this.#nextSeq++;
    const message = { ...body, seq } as SimRequest;
    return new Promise<AnswerTo<B['type']>>((resolve, reject) => {
      if (this.#pending.size === 0) this.#lastHeard = this.#clock.now();
      this.#pending.set(seq, { type: body.type, resolve: resolve as (event: SimEvent) => void, reject, onExploreProgress });
      this.#watch();
      try {
        this.#ensureWorker().postMessage(message);
      } catch (error) {
        this.#pending.delete(seq);
        reject(error instanceof Error ? error : new SimProtocolError(String(error)));
      }
    });
  }

  /** While requests wait, check that the worker keeps talking. */
  #watch(): void {
    if (this.#stopWatch) return;
    this.#stopWatch = this.#clock.every(Math.min(1_000, this.#livenessMs / 2), () => {
      if (this.#pending.size === 0) {
        this.#stopWatch?.();
        this.#stopWatch = null;
        return;
      }
      const silent = this.#clock.now() - this.#lastHeard;
      if (silent > this.#livenessMs) {
        this.#drop(new SimProtocolError(`the simulation worker stopped answering (nothing for ${Math.round(silent / 1000)} s)`));
      }
    });
  }

  /** Terminates the worker; pending requests reject. */
  dispose(): void {
    this.#disposed = true;
    this.#rejectAll(new SimProtocolError('the simulation client was disposed'));
    this.#worker?.terminate();
    this.#worker = null;
    this.#stopWatch?.();
    this.#stopWatch = null;
  }

  /** The worker is broken: drop it, reject everything waiting, tell the app. The next request starts a new one. */
  #drop(error: SimProtocolError): void {
    const worker = this.#worker;
    this.#worker = null;
    worker?.terminate();
    this.#rejectAll(error);
    this.#onFatal?.(error);
  }

  #ensureWorker(): WorkerLike {
    if (this.#worker) return this.#worker;
    const worker = this.#spawn();
    worker.addEventListener('message', (event) => {
      if (worker === this.#worker) this.#onMessage((event as MessageEvent<unknown>).data);
    });
    worker.addEventListener('messageerror', () => {
      if (worker !== this.#worker) return;
      // Answers come in request order, so the one that could not be deserialised belongs to the oldest request.
      const oldest = this.#pending.keys().next();
      const error = new SimProtocolError('a message from the simulation worker could not be deserialised');
      if (oldest.done) {
        this.#drop(error);
        return;
      }
      const pending = this.#pending.get(oldest.value)!;
      this.#pending.delete(oldest.value);
      pending.reject(error);
    });
    worker.addEventListener('error', (event) => {
      if (worker !== this.#worker) return;
      const message = (event as Partial<ErrorEvent>).message;
      const detail = typeof message === 'string' && message !== '' ? cut(message) : 'it failed to start or crashed';
      this.#drop(new SimProtocolError(`the simulation worker stopped: ${detail}`));
    });
    this.#worker = worker;
    return worker;
  }

  #onMessage(data: unknown): void {
    this.#lastHeard = this.#clock.now();
    if (!isEventLike(data)) {
      this.#drop(new SimProtocolError(`the simulation worker sent a message that is not a SimEvent: ${excerpt(data)}`));
      return;
    }
    const pending = this.#pending.get(data.seq);
    if (!pending) {
      this.#drop(new SimProtocolError(`the simulation worker answered seq ${data.seq} (${cut(data.type)}), which no request is waiting for`));
      return;
    }
    if (data.type === 'sim/exploreProgress') {
      const p = (data as { progress?: unknown }).progress;
      if (typeof p === 'object' && p !== null) pending.onExploreProgress?.(p as ExploreProgress);
      return;
    }
    if (data.type === 'sim/progress') {
      const p = data as { done?: unknown; total?: unknown };
      if (typeof p.done === 'number' && typeof p.total === 'number') this.#onProgress?.(p.done, p.total);
      return;
    }
    this.#pending.delete(data.seq);
    const event = data as SimEvent;
    if (event.type === 'sim/failed') {
      pending.reject(new SimFailedError(event.error, pending.type));
    } else if (event.type === ANSWER_TYPE[pending.type]) {
      pending.resolve(event);
    } else {
      const error = new SimProtocolError(
        `the simulation worker answered ${pending.type} (seq ${data.seq}) with ${cut(event.type)}, expected ${ANSWER_TYPE[pending.type]}`,
      );
      pending.reject(error);
      this.#drop(error);
    }
  }

  #rejectAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}

function isEventLike(data: unknown): data is { type: string; seq: number } {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { type?: unknown }).type === 'string' &&
    typeof (data as { seq?: unknown }).seq === 'number'
  );
}

/** Text from the worker, cut to a readable length for a one-line message. */
function cut(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function excerpt(data: unknown): string {
  try {
    return JSON.stringify(data)?.slice(0, 120) ?? String(data);
  } catch {
    return String(data);
  }
}
