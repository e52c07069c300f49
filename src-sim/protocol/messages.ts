/**
 * The typed message protocol between the UI (main thread) and the simulation worker.
 *
 * Guarantees:
 * - Every request carries a `seq`; the worker answers each request with exactly one event carrying the same `seq`,
 *   in the order the requests arrived.
 * - A `sim/failed` event never leaves the worker in a half-loaded state: the previously loaded timeline (if any)
 *   stays loaded and usable.
 * - Everything here is plain structured-clone data (no classes, no functions).
 */
import type { CompareInfo, TimelineSummary, MicrostepRow, PresetInfo } from './summary.ts';
import type { Snapshot } from '../model/types.ts';
import type { PlayheadView, TracksWindow } from './tracks.ts';
import type { ExploreProgress, ExploreReport, ExploreSettings } from './explore.ts';
import type { TraceReport } from '../trace/report.ts';

export type ScenarioSource = { kind: 'preset'; id: string } | { kind: 'json'; text: string };

export type SimRequest =
  | { type: 'sim/presetsRequested'; seq: number }
  | { type: 'sim/loadRequested'; seq: number; source: ScenarioSource; variant?: string }
  | { type: 'sim/microstepsRequested'; seq: number; from: number; to: number }
  | { type: 'sim/snapshotRequested'; seq: number; microstep: number }
  /**
   * Tracks for positions [from, to] of the axis (tracks.ts), at most about one item per bucket per row; with
   * `axis: 'time'` the buckets are even in the trace's time (clock.ts) when the run has one.
   */
  | { type: 'sim/tracksRequested'; seq: number; from: number; to: number; buckets: number; of?: TimelineSlot; axis?: 'microstep' | 'time' }
  /** The state at position t (0 = initial state, N = final), as the UI shows it. */
  | { type: 'sim/viewRequested'; seq: number; t: number; of?: TimelineSlot }
  /** Run another variant of the loaded scenario beside it (variant null: stop comparing). */
  | { type: 'sim/compareRequested'; seq: number; variant: string | null }
  /** The run as `npm run sim -- run --json` prints it. */
  | { type: 'sim/reportRequested'; seq: number }
  /** Validate a scenario text without running it (the editor's live check). */
  | { type: 'sim/validateRequested'; seq: number; text: string }
  /** A preset's file as JSON text (to edit a copy). */
  | { type: 'sim/presetTextRequested'; seq: number; id: string }
  /**
   * Explore every interleaving of a scenario variant's actors (src-sim/explore/). Long: the app sends it to a worker
   * of its own, which it terminates to cancel. `sim/exploreProgress` events come first.
   */
  | { type: 'sim/exploreRequested'; seq: number; source: ScenarioSource; variant?: string; settings: ExploreSettings }
  /**
   * Import a kernel trace (ftrace text): read the file as a stream (`sim/progress` in bytes), report what it holds and
   * reconstruct it as a scenario (src-sim/trace/). Answered asynchronously, still in request order.
   */
  | { type: 'sim/traceRequested'; seq: number; file: Blob; name: string; options: TraceOptions };

/** What part of a trace to import (the CLI's `trace` flags). */
export interface TraceOptions {
  arch?: 'x86' | 'arm64' | 'powerpc' | 's390' | 'mips' | null;
  /** Only these CPUs, renumbered from 0 in the scenario. */
  cpus?: number[] | null;
  /** A window, in seconds as the trace prints them. */
  from?: number | null;
  to?: number | null;
  /** The x86 era to run the reconstruction under (an `x86_lazy` value); null: as the trace shows it. */
  era?: string | null;
}

/** Which loaded timeline a request is about: the main one (default) or the variant it is compared with. */
export type TimelineSlot = 'main' | 'compare';

export type SimError = {
  /** One line, human readable, e.g. `steps[3].cpu: CPU 4 does not exist (machine has 2)`. */
  message: string;
  /** The JSON path of the offending input, when the error is about input. */
  path?: string;
};

export type SimEvent =
  | { type: 'sim/presetsListed'; seq: number; presets: PresetInfo[] }
  | { type: 'sim/loaded'; seq: number; summary: TimelineSummary }
  | { type: 'sim/microstepsListed'; seq: number; from: number; rows: MicrostepRow[] }
  | { type: 'sim/snapshotReady'; seq: number; microstep: number; snapshot: Snapshot }
  | { type: 'sim/tracksReady'; seq: number; window: TracksWindow }
  | { type: 'sim/viewReady'; seq: number; view: PlayheadView }
  | { type: 'sim/compared'; seq: number; summary: TimelineSummary | null; compare: CompareInfo | null }
  /** The run as `npm run sim -- run --json` prints it: the JSON text, in chunks to be written one after another. */
  | { type: 'sim/reportReady'; seq: number; text: string[] }
  /** Sent (any number of times) before the answer to a long request: a sign of life, and how far it got. */
  | { type: 'sim/progress'; seq: number; done: number; total: number }
  | { type: 'sim/validated'; seq: number; check: ScenarioCheck }
  | { type: 'sim/presetText'; seq: number; text: string }
  /** A search's progress (before `sim/explored`, any number of times). */
  | { type: 'sim/exploreProgress'; seq: number; progress: ExploreProgress }
  | { type: 'sim/explored'; seq: number; report: ExploreReport }
  /**
   * The import's report (with the model's conformance to the trace), the scenario it wrote as JSON text (null when the
   * window does not fit the format), and the eras the import can be asked for.
   */
  | { type: 'sim/traceImported'; seq: number; report: TraceReport; scenario: string | null; eras: readonly string[] }
  | { type: 'sim/failed'; seq: number; error: SimError };

/** What the loader says of a scenario text: its first error, placed in the text, or what the file holds. */
export interface ScenarioCheck {
  error: { path: string; message: string; line: number; column: number } | null;
  info: { id: string; title: string; variants: string[]; steps: number } | null;
}
