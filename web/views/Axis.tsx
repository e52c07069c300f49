import type { ScaleLinear } from 'd3';
import { useMemo } from 'react';
import { useStore } from 'zustand';
import type { StepInfo } from '../../src-sim/protocol/index.ts';
import { store } from '../store.ts';
import { traceClock, type TraceClock } from './trace-clock.ts';

/**
 * The time axis above the lanes: integer micro-step ticks from the shared scale (d3 computes, React draws). A scenario
 * imported from a kernel trace (its steps carry `time`) is labelled in trace time instead: ticks at round times (µs,
 * or ms past 10 ms), each placed where the run reaches that time (the axis stays one micro-step per unit, so the ticks
 * are not evenly spaced).
 */
export function Axis({ x, width, slot }: { x: ScaleLinear<number, number>; width: number; slot: 'main' | 'compare' }) {
  const steps = useStore(store, (s) => (slot === 'main' ? s.summary?.steps : s.compare?.summary.steps));
  const clock = useMemo(() => traceClock(steps ?? NO_STEPS), [steps]);
  const [d0, d1] = x.domain().map(Math.round);
  const count = Math.max(2, Math.floor(width / (clock ? 110 : 90)));
  // A trace's scenario: ticks at round trace times, each where that time is reached; otherwise micro-step ticks.
  const ticks = clock ? spaced(clock.ticks(d0, d1, 4 * count), x) : x.ticks(count).filter(Number.isInteger).map((p) => ({ p, s: 0 }));
  // One unit along the axis: milliseconds once the window reaches 10 ms
  const unit = clock && clock.at(d1) >= 0.01 ? 'ms' : 'µs';
  const label = clock ? `time axis, trace time ${clock.label(d0)} to ${clock.label(d1)} after the first step` : `time axis, micro-steps ${d0} to ${d1}`;
  return (
    <svg className="axis" width={width} height={26} role="img" aria-label={label} data-axis={clock ? 'trace' : 'microsteps'}>
      {ticks.map(({ p, s }) => (
        <g key={`${p}:${s}`} transform={`translate(${x(p)},0)`}>
          <line y1={18} y2={26} className="axis-tick" />
          <text y={13} textAnchor="middle" className="axis-label">
            {clock ? clock.format(s, unit) : p}
          </text>
        </g>
      ))}
      <AxisPlayhead x={x} width={width} slot={slot} clock={clock} />
    </svg>
  );
}

const NO_STEPS: StepInfo[] = [];
/** Least room between two trace-time tick labels, in pixels. */
const TICK_ROOM = 72;

/** Trace-time ticks thinned so that labels do not overlap (time is uneven along the axis: some crowd, some spread). */
function spaced(ticks: Array<{ p: number; s: number }>, x: ScaleLinear<number, number>): Array<{ p: number; s: number }> {
  const out: Array<{ p: number; s: number }> = [];
  let last = -Infinity;
  for (const t of ticks) {
    const px = x(t.p);
    if (px - last < TICK_ROOM) continue;
    out.push(t);
    last = px;
  }
  return out;
}

/** The playhead's mark on the axis: re-renders alone when the playhead moves. */
function AxisPlayhead({ x, width, slot, clock }: { x: ScaleLinear<number, number>; width: number; slot: 'main' | 'compare'; clock: TraceClock | null }) {
  const t = useStore(store, (s) => (slot === 'main' ? s.t : (s.compare?.t ?? 0)));
  const px = x(t);
  if (px < 0 || px > width) return null;
  return (
    <path d="M-6,16 L6,16 L0,25 Z" transform={`translate(${px},0)`} className="axis-playhead">
      {clock ? <title>{`trace time +${clock.label(t)}`}</title> : null}
    </path>
  );
}
