import type { ScaleLinear } from 'd3';
import { useStore } from 'zustand';
import { store } from '../store.ts';

/** The time axis above the lanes: integer micro-step ticks from the shared scale (d3 computes, React draws). */
export function Axis({ x, width, slot }: { x: ScaleLinear<number, number>; width: number; slot: 'main' | 'compare' }) {
  const ticks = x.ticks(Math.max(2, Math.floor(width / 90))).filter(Number.isInteger);
  return (
    <svg className="axis" width={width} height={26} role="img" aria-label={`time axis, micro-steps ${Math.round(x.domain()[0])} to ${Math.round(x.domain()[1])}`}>
      {ticks.map((v) => (
        <g key={v} transform={`translate(${x(v)},0)`}>
          <line y1={18} y2={26} className="axis-tick" />
          <text y={13} textAnchor="middle" className="axis-label">
            {v}
          </text>
        </g>
      ))}
      <AxisPlayhead x={x} width={width} slot={slot} />
    </svg>
  );
}

/** The playhead's mark on the axis: re-renders alone when the playhead moves. */
function AxisPlayhead({ x, width, slot }: { x: ScaleLinear<number, number>; width: number; slot: 'main' | 'compare' }) {
  const t = useStore(store, (s) => (slot === 'main' ? s.t : (s.compare?.t ?? 0)));
  const px = x(t);
  if (px < 0 || px > width) return null;
  return <path d="M-6,16 L6,16 L0,25 Z" transform={`translate(${px},0)`} className="axis-playhead" />;
}
