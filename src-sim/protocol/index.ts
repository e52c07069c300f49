/**
 * The shared vocabulary of the worker, the CLI and the UI: message types, the run's summary, tracks and the playhead
 * view. web/ imports from here and nowhere else in src-sim (types only; `isBusy`, `findingsByStep` and the trace clock
 * `traceClockOf` are the helpers).
 */
export type * from './messages.ts';
export type * from './summary.ts';
export type * from './tracks.ts';
export type * from './explore.ts';
export type { TraceReport } from '../trace/report.ts';
export type { ProofSegment, TraceProof } from '../trace/proof.ts';
export { isBusy } from './tracks.ts';
export { traceClockOf, MICROSTEP_US } from './clock.ts';
export type { TraceClock } from './clock.ts';
export { decisionText, findingsByStep } from './summary.ts';
export type { Snapshot } from '../model/types.ts';
