import { ticks as niceTicks } from 'd3';
import type { StepInfo } from '../../src-sim/protocol/index.ts';

/** Trace time at an axis position, for a scenario whose steps carry `time` (a kernel trace's import). */
export interface TraceClock {
  /** Seconds since the first timed step, at position p (micro-steps done). */
  at(p: number): number;
  /** The first position whose time is at least `s` seconds after the first timed step (the last position if none). */
  positionOf(s: number): number;
  /** Seconds as text: microseconds (`1,234.5 µs`), or milliseconds past 10 ms; or in the unit given. */
  format(s: number, unit?: 'µs' | 'ms'): string;
  /** `format(at(p))`. */
  label(p: number): string;
  /**
   * Axis ticks at round trace times within positions [p0, p1], each placed at the position where that time is reached
   * (so they are not evenly spaced: the axis is one micro-step per unit).
   */
  ticks(p0: number, p1: number, count: number): Array<{ p: number; s: number }>;
}

const us = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const ms = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });

export function traceClock(steps: readonly StepInfo[]): TraceClock | null {
  // Each timed step that ran micro-steps: where it starts on the axis, and its time.
  const starts: number[] = [];
  const times: number[] = [];
  for (const s of steps) {
    if (s.time === undefined || s.microstepCount === 0) continue;
    starts.push(s.firstMicrostep);
    times.push(s.time);
  }
  if (times.length < 2) return null;
  const t0 = times[0];
  const at = (p: number): number => {
    // The last timed step starting at or before p (binary search; before the first: the first).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return times[lo] - t0;
  };
  const positionOf = (s: number): number => {
    // The first timed step whose time is at least s (times never go backwards: the importer refuses that).
    let lo = 0;
    let hi = times.length - 1;
    if (times[hi] - t0 < s) return starts[hi];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] - t0 >= s) hi = mid;
      else lo = mid + 1;
    }
    return starts[lo];
  };
  const format = (s: number, unit?: 'µs' | 'ms'): string =>
    (unit ?? (s >= 0.01 ? 'ms' : 'µs')) === 'ms' ? `${ms.format(s * 1000)} ms` : `${us.format(s * 1e6)} µs`;
  return {
    at,
    positionOf,
    format,
    label: (p) => format(at(p)),
    ticks(p0, p1, count) {
      const out: Array<{ p: number; s: number }> = [];
      for (const s of niceTicks(at(p0), at(p1), count)) {
        const p = positionOf(s);
        if (p < p0 || p > p1) continue;
        // Several round times reached at one step (time jumped over them): keep the latest, which is true there.
        if (out.length && out[out.length - 1].p === p) out[out.length - 1] = { p, s };
        else out.push({ p, s });
      }
      return out;
    },
  };
}
