import type { ScaleLinear } from 'd3';
import { useMemo } from 'react';
import { useStore } from 'zustand';
import type { StepInfo } from '../../src-sim/protocol/index.ts';
import { store } from '../store.ts';
import { traceClock, type TraceClock } from './trace-clock.ts';

/**
 * The time axis above the lanes: integer micro-step ticks from the shared scale (d3 computes, React draws). A scenario
 * imported from a kernel trace (its steps carry `time`) is labelled in microseconds of trace time instead: each tick
 * reads the time of the step that micro-step belongs to (the axis stays one micro-step per unit, so it is not to scale).
 */
export function Axis({ x, width, slot }: { x: ScaleLinear<number, number>; width: number; slot: 'main' | 'compare' }) {
  const steps = useStore(store, (s) => (slot === 'main' ? s.summary?.steps : s.compare?.summary.steps));
  const clock = useMemo(() => traceClock(steps ?? NO_STEPS), [steps]);
  const ticks = x.ticks(Math.max(2, Math.floor(width / (clock ? 110 : 90)))).filter(Number.isInteger);
  const [d0, d1] = x.domain().map(Math.round);
  const label = clock ? `time axis, trace time ${clock.label(d0)} to ${clock.label(d1)} after the first step` : `time axis, micro-steps ${d0} to ${d1}`;
  return (
    <svg className="axis" width={width} height={26} role="img" aria-label={label} data-axis={clock ? 'trace' : 'microsteps'}>
      {ticks.map((v) => (
        <g key={v} transform={`translate(${x(v)},0)`}>
          <line y1={18} y2={26} className="axis-tick" />
          <text y={13} textAnchor="middle" className="axis-label">
            {clock ? clock.label(v) : v}
          </text>
        </g>
      ))}
      <AxisPlayhead x={x} width={width} slot={slot} clock={clock} />
    </svg>
  );
}

const NO_STEPS: StepInfo[] = [];

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
