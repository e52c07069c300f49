/**
 * What the lanes' horizontal axis is even in: micro-steps (every preset; one micro-step, one unit), or, for a scenario
 * imported from a kernel trace, the trace's own time in µs (src-sim/protocol/clock.ts: the core's clock, not a second
 * one), so that 10 ms of idle take a thousand times the room of 10 µs of flushing.
 *
 * Positions stay micro-steps done everywhere (playhead, store window, tracks, findings); the map converts them to the
 * axis coordinate `u` in which zoom, pan and the scale are linear, and back.
 */
import { scaleLinear } from 'd3';
import { traceClockOf, MICROSTEP_US, type TimelineSummary, type TraceClock } from '../src-sim/protocol/index.ts';

export interface AxisMap {
  kind: 'microstep' | 'time';
  /** The axis coordinate of a position. */
  of(p: number): number;
  /** The (fractional) position at an axis coordinate. */
  position(u: number): number;
  /** The least window width, in axis units (six micro-steps). */
  minSpan: number;
  /** The trace clock when the run has one (also on the micro-step axis: its ticks can read trace time). */
  clock: TraceClock | null;
}

const MIN_MICROSTEPS = 6;

export const MICROSTEP_MAP: AxisMap = { kind: 'microstep', of: (p) => p, position: (u) => u, minSpan: MIN_MICROSTEPS, clock: null };

/** The maps of a run, by its steps list (a summary's steps never change): micro-steps with the clock, and time. */
const maps = new WeakMap<object, { micro: AxisMap; time: AxisMap } | null>();

function mapsOf(summary: TimelineSummary | null | undefined): { micro: AxisMap; time: AxisMap } | null {
  // A malformed summary (from a broken worker) has no axis: no clock, and the views' own boundaries say what is wrong.
  if (summary?.axis?.kind !== 'time' || !Array.isArray(summary.steps)) return null;
  if (!maps.has(summary.steps)) {
    const clock = traceClockOf(summary.steps);
    maps.set(
      summary.steps,
      clock && {
        micro: { ...MICROSTEP_MAP, clock },
        time: { kind: 'time', of: clock.toTime, position: clock.toPosition, minSpan: MIN_MICROSTEPS * MICROSTEP_US, clock },
      },
    );
  }
  return maps.get(summary.steps)!;
}

/** The axis of a run: its trace time when it has a clock and `time` is wanted, else micro-steps. */
export function axisMapOf(summary: TimelineSummary | null | undefined, time: boolean): AxisMap {
  const m = mapsOf(summary);
  return m ? (time ? m.time : m.micro) : MICROSTEP_MAP;
}

/**
 * The lanes' x scale: positions to pixels, through the axis map. The subset of d3's linear scale the views use:
 * `domain()` is the window in positions, `invert` gives a (fractional) position.
 */
export interface AxisScale {
  (p: number): number;
  invert(px: number): number;
  domain(): number[];
  range(): number[];
  ticks(count?: number): number[];
}

export function axisScale(map: AxisMap, window: readonly [number, number], range: readonly [number, number]): AxisScale {
  if (map.kind === 'microstep') return scaleLinear().domain(window).range(range);
  const u = scaleLinear().domain([map.of(window[0]), map.of(window[1])]).range(range);
  const x = ((p: number) => u(map.of(p))) as AxisScale;
  x.invert = (px) => map.position(u.invert(px));
  x.domain = () => [window[0], window[1]];
  x.range = () => [range[0], range[1]];
  x.ticks = (count) => scaleLinear().domain(window).ticks(count);
  return x;
}

/**
 * Clamps a window (positions) to [0, n] on a time axis, keeping its width in time where it can and never narrower
 * than `map.minSpan` (on the micro-step axis the store's clampWindow does this in micro-steps).
 */
export function clampTimeWindow(map: AxisMap, from: number, to: number, n: number): [number, number] {
  const lo0 = map.of(0);
  const hi0 = map.of(n);
  const total = Math.max(hi0 - lo0, 1e-12);
  const width = Math.min(Math.max(Math.min(map.minSpan, total), map.of(to) - map.of(from)), total);
  let lo = map.of(from);
  if (lo + width > hi0) lo = hi0 - width;
  if (lo < lo0) lo = lo0;
  // The window's ends as positions; the whole axis exactly [0, n].
  return [lo <= lo0 ? 0 : map.position(lo), lo + width >= hi0 ? n : map.position(lo + width)];
}
