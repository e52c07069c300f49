import { useStore } from 'zustand';
import type { AxisMap, AxisScale } from '../axis-map.ts';
import { store } from '../store.ts';
import { axisTicks, formatTraceTime, unitFor } from './trace-clock.ts';

/**
 * The time axis above the lanes (d3 computes, React draws). In micro-steps: integer ticks. A scenario imported from a
 * kernel trace is labelled in trace time: on its time axis (the default) ticks are evenly spaced round times; on the
 * micro-step axis each round time sits where the run reaches it, so those ticks are not evenly spaced.
 */
export function Axis({ x, map, width, slot }: { x: AxisScale; map: AxisMap; width: number; slot: 'main' | 'compare' }) {
  const [d0, d1] = x.domain();
  const clock = map.clock;
  const ticks = axisTicks(map, x, width);
  const unit = clock ? unitFor(clock.toTime(d1) - clock.toTime(d0), clock.toTime(d1)) : 'µs';
  const label = clock
    ? `time axis, trace time ${formatTraceTime(clock.toTime(d0), unit)} to ${formatTraceTime(clock.toTime(d1), unit)} after the first traced event${map.kind === 'time' ? ', to scale' : ', in micro-steps'}`
    : `time axis, micro-steps ${Math.round(d0)} to ${Math.round(d1)}`;
  return (
    <svg className="axis" width={width} height={26} role="img" aria-label={label} data-axis={clock ? (map.kind === 'time' ? 'trace-time' : 'trace') : 'microsteps'}>
      {ticks.map(({ p, label: text }) => (
        <g key={`${p}:${text}`} transform={`translate(${x(p)},0)`} data-testid="axis-tick">
          <line y1={18} y2={26} className="axis-tick" />
          <text y={13} textAnchor={x(p) < EDGE ? 'start' : x(p) > width - EDGE ? 'end' : 'middle'} className="axis-label">
            {text}
          </text>
        </g>
      ))}
      <AxisPlayhead x={x} width={width} slot={slot} map={map} />
    </svg>
  );
}

/** A tick this close to either end has its label turned inwards, so it never runs into the corner or off the axis. */
const EDGE = 24;

/** The playhead's mark on the axis: re-renders alone when the playhead moves. */
function AxisPlayhead({ x, width, slot, map }: { x: AxisScale; width: number; slot: 'main' | 'compare'; map: AxisMap }) {
  const t = useStore(store, (s) => (slot === 'main' ? s.t : (s.compare?.t ?? 0)));
  const px = x(t);
  if (px < 0 || px > width) return null;
  return (
    <path d="M-6,16 L6,16 L0,25 Z" transform={`translate(${px},0)`} className="axis-playhead">
      {map.clock ? <title>{`trace time +${formatTraceTime(map.clock.toTime(t))}`}</title> : null}
    </path>
  );
}
