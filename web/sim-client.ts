/**
 * A typed client for the simulation worker (src-sim/worker.ts), speaking src-sim/protocol.ts.
 *
 * Every request gets a fresh `seq` and one promise; the worker answers each request with exactly one event carrying
 * the same `seq`. The promise resolves with that event, or rejects with a `SimFailedError` when the worker answers
 * `sim/failed`. Anything that breaks the protocol (an answer nobody asked for, an answer of the wrong type) is a
 * bug, not a user error: the client reports it through `onFatal` and throws, so it shows up in the console.
 */
import type { ScenarioSource, SimError, SimEvent, SimRequest } from '../src-sim/protocol/index.ts';
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
} as const satisfies Record<SimRequestType, Exclude<SimEvent['type'], 'sim/failed'>>;

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
  /** Told about protocol breaks and worker crashes (the UI shows them). */
  onFatal?: (error: Error) => void;
}

interface Pending {
  type: SimRequestType;
  resolve: (event: SimEvent) => void;
  reject: (error: Error) => void;
}

/** The one place that names the worker module, in the form Vite recognises and bundles. */
export function spawnSimWorker(): WorkerLike {
  return new Worker(new URL('../src-sim/worker.ts', import.meta.url), { type: 'module', name: 'lazytlb-sim' });
}

export class SimClient {
  readonly #spawn: () => WorkerLike;
  readonly #onFatal: ((error: Error) => void) | undefined;
  #worker: WorkerLike | null = null;
  #nextSeq = 1;
  /** In request order; the worker answers in that order too. */
  readonly #pending = new Map<number, Pending>();
  #disposed = false;

  constructor(options: SimClientOptions = {}) {
    this.#spawn = options.spawn ?? spawnSimWorker;
    this.#onFatal = options.onFatal;
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

  /** Tracks for positions [from, to] at a resolution of `buckets` (src-sim/protocol/tracks.ts). */
  async tracks(from: number, to: number, buckets: number, of: TimelineSlot = 'main'): Promise<TracksWindow> {
    return (await this.request({ type: 'sim/tracksRequested', from, to, buckets, of })).window;
  }

  /** The state at position t, as the UI shows it. */
  async view(t: number, of: TimelineSlot = 'main'): Promise<PlayheadView> {
    return (await this.request({ type: 'sim/viewRequested', t, of })).view;
  }

  /** The run as `npm run sim -- run --json` prints it. */
  async report(): Promise<unknown> {
    return (await this.request({ type: 'sim/reportRequested' })).report;
  }

  /** Runs another variant beside the loaded one (null: stop comparing). */
  async compare(variant: string | null): Promise<{ summary: TimelineSummary | null; compare: CompareInfo | null }> {
    const { summary, compare } = await this.request({ type: 'sim/compareRequested', variant });
    return { summary, compare };
  }

  /** Sends one request; resolves with its answer, rejects with SimFailedError on `sim/failed`. */
  request<B extends SimRequestBody>(body: B): Promise<AnswerTo<B['type']>> {
    if (this.#disposed) return Promise.reject(new SimProtocolError('the simulation client was disposed'));
    const seq = this.#nextSeq++;
    const message = { ...body, seq } as SimRequest;
    return new Promise<AnswerTo<B['type']>>((resolve, reject) => {
      this.#pending.set(seq, { type: body.type, resolve: resolve as (event: SimEvent) => void, reject });
      try {
        this.#ensureWorker().postMessage(message);
      } catch (error) {
        this.#pending.delete(seq);
        reject(error instanceof Error ? error : new SimProtocolError(String(error)));
      }
    });
  }

  /** Terminates the worker; pending requests reject. */
  dispose(): void {
    this.#disposed = true;
    this.#rejectAll(new SimProtocolError('the simulation client was disposed'));
    this.#worker?.terminate();
    this.#worker = null;
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
        this.#fatal(error);
        return;
      }
      const pending = this.#pending.get(oldest.value)!;
      this.#pending.delete(oldest.value);
      pending.reject(error);
    });
    worker.addEventListener('error', (event) => {
      if (worker !== this.#worker) return;
      const message = (event as Partial<ErrorEvent>).message;
      const detail = typeof message === 'string' && message !== '' ? message : 'it failed to start or crashed';
      const error = new SimProtocolError(`the simulation worker stopped: ${detail}`);
      // Drop the broken worker; the next request starts a fresh one.
      this.#worker = null;
      worker.terminate();
      this.#rejectAll(error);
      this.#onFatal?.(error);
    });
    this.#worker = worker;
    return worker;
  }

  #onMessage(data: unknown): void {
    if (!isEventLike(data)) {
      this.#fatal(new SimProtocolError(`the simulation worker sent a message that is not a SimEvent: ${excerpt(data)}`));
      return;
    }
    const pending = this.#pending.get(data.seq);
    if (!pending) {
      this.#fatal(
        new SimProtocolError(`the simulation worker answered seq ${data.seq} (${data.type}), which no request is waiting for`),
      );
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
        `the simulation worker answered ${pending.type} (seq ${data.seq}) with ${event.type}, expected ${ANSWER_TYPE[pending.type]}`,
      );
      pending.reject(error);
      this.#onFatal?.(error);
    }
  }

  /** Protocol break: tell the UI, then throw so it lands in the console as an uncaught error. */
  #fatal(error: SimProtocolError): never {
    this.#onFatal?.(error);
    throw error;
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

function excerpt(data: unknown): string {
  try {
    return JSON.stringify(data)?.slice(0, 120) ?? String(data);
  } catch {
    return String(data);
  }
}
