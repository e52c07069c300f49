/**
 * The trace clock: where each axis position (micro-steps done, tracks.ts) falls in the time of the kernel trace a
 * scenario was imported from (its steps carry `time`, StepInfo.time). It is what the lanes' proportional axis, its
 * ticks and the tracks' bucketing by time share, so the core and the UI cannot disagree on it.
 *
 * A trace times events, not micro-steps: a step's micro-steps are placed after its event's time, MICROSTEP_US apart,
 * squeezed to fit before the next timed step when the gap is shorter (never closer than MIN_MICROSTEP_US, so the
 * clock always moves forward: events sharing a timestamp follow each other by a few nanoseconds). Untimed steps (a
 * scenario's setup, steps added by hand) follow the step before them the same way; those before the first timed step
 * end at time 0. A step whose time is earlier than a step before it (the importer wrote it after a step it depends on)
 * follows that step: the axis keeps the model's order. Position q sits at the time its micro-step completed, and between two steps the axis runs straight
 * from the last micro-step of one to the first of the next: the state after a step holds across the idle gap.
 *
 * Piecewise linear and strictly increasing: two breakpoints per step (its first and last micro-step), so converting
 * either way is a binary search.
 */
import type { StepInfo } from './summary.ts';

/** Nominal time of one micro-step on the trace axis, in µs (a few instructions of kernel code). */
export const MICROSTEP_US = 0.01;
/** Least time between two micro-steps, in µs, when events come closer than their micro-steps need. */
export const MIN_MICROSTEP_US = 0.001;

export interface TraceClock {
  /** Breakpoints: positions (strictly increasing, 0 first, the last micro-step last) and their trace times in µs. */
  readonly at: readonly number[];
  readonly us: readonly number[];
  /** Trace time (µs after the first timed step) of a position; linear past the ends. */
  toTime(p: number): number;
  /** The position (fractional between breakpoints) at a trace time. */
  toPosition(us: number): number;
}

/** The clock of a run whose steps carry trace times, or null when fewer than two steps with micro-steps do. */
export function traceClockOf(steps: readonly StepInfo[]): TraceClock | null {
  // Most runs (every preset) have no trace times: say so without building anything.
  if (!steps.some((s) => s.time !== undefined)) return null;
  const ran = steps.filter((s) => s.microstepCount > 0);
  const timed = ran.filter((s) => s.time !== undefined);
  if (timed.length < 2) return null;
  const t0 = timed[0].time!;
  // The next timed step's time after each step with micro-steps (Infinity after the last).
  const next: number[] = new Array(ran.length);
  let upcoming = Infinity;
  for (let i = ran.length - 1; i >= 0; i--) {
    next[i] = upcoming;
    if (ran[i].time !== undefined) upcoming = (ran[i].time! - t0) * 1e6;
  }
  const before = ran.findIndex((s) => s.time !== undefined);
  let cursor = -ran.slice(0, before).reduce((n, s) => n + s.microstepCount, 0) * MICROSTEP_US;
  const at: number[] = [0];
  const us: number[] = [cursor];
  for (let i = 0; i < ran.length; i++) {
    const s = ran[i];
    const c = s.microstepCount;
    const start = s.time !== undefined ? Math.max(cursor, (s.time - t0) * 1e6) : cursor;
    const room = next[i] - start;
    const d = Math.max(MIN_MICROSTEP_US, Math.min(MICROSTEP_US, room / c));
    push(at, us, s.firstMicrostep + 1, start + d);
    if (c > 1) push(at, us, s.firstMicrostep + c, start + c * d);
    cursor = start + c * d;
  }
  return clockFrom(at, us);
}

/** Appends a breakpoint, keeping both lists strictly increasing (a step's first point may meet the last one's). */
function push(at: number[], us: number[], p: number, t: number): void {
  const last = at.length - 1;
  if (p <= at[last]) return;
  at.push(p);
  us.push(Math.max(t, us[last] + MIN_MICROSTEP_US));
}

function clockFrom(at: number[], us: number[]): TraceClock {
  const n = at.length;
  return {
    at,
    us,
    toTime: (p) => interpolate(at, us, n, p),
    toPosition: (t) => interpolate(us, at, n, t),
  };
}

/** y at x on the polyline (xs, ys), xs strictly increasing; straight on past either end. */
function interpolate(xs: readonly number[], ys: readonly number[], n: number, x: number): number {
  if (n === 1) return ys[0] + (x - xs[0]);
  let lo = 0;
  let hi = n - 2;
  // The segment [xs[lo], xs[lo + 1]] holding x (the first or last one past the ends).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  const f = (x - xs[lo]) / (xs[lo + 1] - xs[lo]);
  return ys[lo] + f * (ys[lo + 1] - ys[lo]);
}
