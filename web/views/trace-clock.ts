import type { StepInfo } from '../../src-sim/protocol/index.ts';

/** Trace time at an axis position, for a scenario whose steps carry `time` (a kernel trace's import). */
export interface TraceClock {
  /** Seconds since the first timed step, at position p (micro-steps done). */
  at(p: number): number;
  /** `at(p)` as text in microseconds (`+1,234.5 µs`), or milliseconds past 10 ms. */
  label(p: number): string;
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
  return {
    at,
    label(p) {
      const s = at(p);
      return s >= 0.01 ? `${ms.format(s * 1000)} ms` : `${us.format(s * 1e6)} µs`;
    },
  };
}
