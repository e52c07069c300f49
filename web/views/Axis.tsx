import type { ScaleLinear } from 'd3';

/** The time axis above the lanes: integer micro-step ticks from the shared scale (d3 computes, React draws). */
export function Axis({ x, width, t }: { x: ScaleLinear<number, number>; width: number; t: number }) {
  const ticks = x.ticks(Math.max(2, Math.floor(width / 90))).filter(Number.isInteger);
  const px = x(t);
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
      {px >= 0 && px <= width ? <path d={`M${px - 6},16 L${px + 6},16 L${px},25 Z`} className="axis-playhead" /> : null}
    </svg>
  );
}
