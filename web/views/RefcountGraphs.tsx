/**
 * One graph per user mm: mm_users and mm_count as step lines over the lanes' time scale, teardown and free marked,
 * the values at the playhead beside the name; hovering a change names the CPU and kernel code that made it.
 */
import { memo, useRef } from 'react';
import { useStore } from 'zustand';
import type { AxisScale } from '../axis-map.ts';
import type { Actor, RefcountTrack, StepInfo } from '../../src-sim/protocol/index.ts';
import { stepName } from '../format.ts';
import { store } from '../store.ts';
import { changeText, layoutRefcount } from '../layout/refcount.ts';
import { mmSwatch } from '../layout/palette.ts';
import { Playhead } from './Playhead.tsx';
import { useInView } from './useInView.ts';
import { Term } from './Term.tsx';

const GRAPH_HEIGHT = 54;
/** Hover targets per graph; past this many changes in view, zoom in to name each. */
const MAX_DOTS = 200;

export function RefcountGraphs({ x, plotWidth, labelWidth, slot }: { x: AxisScale; plotWidth: number; labelWidth: number; slot: 'main' | 'compare' }) {
  const tracks = useStore(store, (s) => (slot === 'main' ? s.tracks : (s.compare?.tracks ?? null)));
  const mms = useStore(store, (s) => (slot === 'main' ? s.summary : s.compare?.summary)?.machine.mms ?? null);
  const view = useStore(store, (s) => (slot === 'main' ? s.view : (s.compare?.view ?? null)));
  const steps = useStore(store, (s) => (slot === 'main' ? s.summary : s.compare?.summary)?.steps ?? NO_STEPS);
  if (!tracks || !mms) return null;
  const shown = tracks.mms.filter((m) => m.mm > 0);
  if (shown.length === 0) return null;
  return (
    <div className="refcounts" role="group" aria-label="Reference counts" data-testid="refcounts">
      <div className="refcount-rows">
      {/* One playhead line over every graph: moving it re-draws no graph. */}
      <Playhead x={x} slot={slot} offset={labelWidth} />
      {shown.map((track) => {
        const now = view?.mms[track.mm];
        const name = mms[track.mm]?.name ?? `mm ${track.mm}`;
        return (
          <div key={track.mm} className="refcount-row" data-testid="refcount" data-mm={name}>
            <div className="refcount-label" style={{ width: labelWidth }}>
              <span className="swatch" style={{ background: mmSwatch(track.mm).fill }} aria-hidden="true" />
              <strong>{name}</strong>
              <span className="refcount-values" data-testid="refcount-values" aria-live="off">
                users <b data-testid="mm-users">{now?.users ?? '…'}</b> · count <b data-testid="mm-count">{now?.count ?? '…'}</b>
                {now && now.state !== 'live' ? <span className="mm-state"> · {now.state}</span> : null}
              </span>
            </div>
            <GraphInView track={track} name={name} x={x} width={plotWidth} window={tracks} steps={steps} />
          </div>
        );
      })}
      </div>
      <p className="refcount-legend hint">
        <span className="legend-users" aria-hidden="true">━</span> <Term id="mm_users">mm_users</Term> <span className="legend-count" aria-hidden="true">┅</span> <Term id="mm_count">mm_count</Term>
        · <span aria-hidden="true">▼</span> teardown · <span aria-hidden="true">✝</span> freed (__mmdrop)
      </p>
    </div>
  );
}

function actorText(a: Actor): string {
  return a.kind === 'cpu' ? `CPU ${a.n}` : `device ${a.n}`;
}

const NO_STEPS: StepInfo[] = [];

type GraphProps = { track: RefcountTrack; name: string; x: AxisScale; width: number; window: { from: number; to: number }; steps: StepInfo[] };

/**
 * A graph is laid out and drawn only while it is on screen (or near it): a 64-CPU run has dozens of mms, and a zoom
 * would otherwise re-lay out every one of them each frame. Off screen it is an empty frame of the same size.
 */
function GraphInView(props: GraphProps) {
  const holder = useRef<HTMLDivElement>(null);
  const inView = useInView(holder);
  return (
    <div ref={holder} className="refcount-graph-holder" style={{ width: props.width, height: GRAPH_HEIGHT }}>
      {inView ? <RefcountGraph {...props} /> : <svg className="refcount-graph" width={props.width} height={GRAPH_HEIGHT} role="img" aria-label={`mm_users and mm_count of ${props.name} (drawn when scrolled into view)`} />}
    </div>
  );
}

const RefcountGraph = memo(function RefcountGraph({ track, name, x, width, window, steps }: GraphProps) {
  const l = layoutRefcount(track, x, width, GRAPH_HEIGHT, window);
  const color = mmSwatch(track.mm).fill;
  return (
    <svg className="refcount-graph" width={width} height={GRAPH_HEIGHT} role="img" aria-label={`mm_users and mm_count of ${name}`}>
      {l.yTicks.map((tk) => (
        <g key={tk.value}>
          <line x1={0} x2={width} y1={tk.y} y2={tk.y} className="grid-line" />
          <text x={2} y={tk.y - 2} className="graph-tick">{tk.value}</text>
        </g>
      ))}
      <path d={l.count} className="line-count" style={{ stroke: color }} />
      <path d={l.users} className="line-users" />
      {l.teardown !== null ? (
        <text x={l.teardown} y={10} textAnchor="middle" className="graph-event">▼<title>teardown of {name} begins (mm_users reached 0)</title></text>
      ) : null}
      {l.freed !== null ? (
        <text x={l.freed} y={GRAPH_HEIGHT - 4} textAnchor="middle" className="graph-event">✝<title>{name} freed by __mmdrop</title></text>
      ) : null}
      {l.changes.length > MAX_DOTS ? <title>{l.changes.length} changes in view: zoom in to hover each</title> : null}
      {(l.changes.length > MAX_DOTS ? [] : l.changes).map((c, i) => (
        <circle key={i} cx={c.x} cy={c.yCount} r={5} className="change-dot">
          <title>{changeText(c.point, actorText(c.point.actor), steps[c.point.step] ? `${stepName(steps[c.point.step])}: ${steps[c.point.step].text}` : '')}</title>
        </circle>
      ))}
    </svg>
  );
});
