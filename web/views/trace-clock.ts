import { ticks as niceTicks } from 'd3';
import type { AxisMap, AxisScale } from '../axis-map.ts';

/**
 * Axis ticks and labels in a kernel trace's time (the run's trace clock, src-sim/protocol/clock.ts, in µs after the
 * first timed step).
 */

const us = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });
const ms = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });

/**
 * The unit a window of trace time is labelled in: milliseconds once it spans 10 ms, or once it lies past 10 ms and its
 * ticks are at least 1 µs apart (`19.05 ms` reads better than `19,050 µs`); microseconds otherwise.
 */
export const unitFor = (spanUs: number, endUs = 0): 'µs' | 'ms' => (spanUs >= 10_000 || (endUs >= 10_000 && spanUs >= 10) ? 'ms' : 'µs');

/** Trace time (µs) as text in the unit given (by default the one its size calls for). */
export function formatTraceTime(t: number, unit: 'µs' | 'ms' = unitFor(Math.abs(t))): string {
  return unit === 'ms' ? `${ms.format(t / 1000)} ms` : `${us.format(t)} µs`;
}

/**
 * Ticks at round trace times within positions [p0, p1], as {p: position, t: µs}. On the time axis they are evenly
 * spaced; on the micro-step axis each sits at the first position whose time reaches it (a tick the time jumps over
 * shares a position with the next: the later one is kept, which is true there).
 */
export function traceTicks(map: AxisMap, p0: number, p1: number, count: number): Array<{ p: number; t: number }> {
  const clock = map.clock;
  if (!clock) return [];
  const out: Array<{ p: number; t: number }> = [];
  for (const t of niceTicks(clock.toTime(p0), clock.toTime(p1), count)) {
    const exact = clock.toPosition(t);
    const p = map.kind === 'time' ? exact : Math.ceil(exact - 1e-9) || 0;
    if (p < p0 - 1e-9 || p > p1 + 1e-9) continue;
    if (out.length && out[out.length - 1].p === p) out[out.length - 1] = { p, t };
    else out.push({ p, t });
  }
  return out;
}

/** Least room between two trace-time tick labels on the micro-step axis, in pixels. */
const TICK_ROOM = 72;

/**
 * The axis's ticks over x's window, as positions and labels: micro-step numbers; or trace times, evenly spaced on the
 * time axis, or each where the run reaches it on the micro-step axis (thinned so that labels do not overlap).
 */
export function axisTicks(map: AxisMap, x: AxisScale, width: number): Array<{ p: number; label: string }> {
  const [d0, d1] = x.domain();
  const clock = map.clock;
  if (!clock) {
    const count = Math.max(2, Math.floor(width / 90));
    return x.ticks(count).filter(Number.isInteger).map((p) => ({ p, label: String(p) }));
  }
  const count = Math.max(2, Math.floor(width / 110));
  const unit = unitFor(clock.toTime(d1) - clock.toTime(d0), clock.toTime(d1));
  const label = (t: { p: number; t: number }) => ({ p: t.p, label: formatTraceTime(t.t, unit) });
  if (map.kind === 'time') return traceTicks(map, d0, d1, count).map(label);
  const out: Array<{ p: number; t: number }> = [];
  let last = -Infinity;
  for (const tick of traceTicks(map, Math.round(d0), Math.round(d1), 4 * count)) {
    const px = x(tick.p);
    if (px - last < TICK_ROOM) continue;
    out.push(tick);
    last = px;
  }
  return out.map(label);
}
