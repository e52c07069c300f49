/**
 * The per-CPU lanes on the shared time axis: a label column (each row's name and its value at the playhead, as text),
 * the canvas drawn from web/layout/lanes.ts, IPI arrows, finding markers (buttons), the playhead, and the axis.
 * Wheel zooms (ctrl+wheel when the lanes scroll vertically), drag pans, click seeks.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { scaleLinear, select, zoom, zoomIdentity, zoomTransform, type ZoomBehavior } from 'd3';
import { axisMapOf, axisScale, type AxisMap, type AxisScale } from '../axis-map.ts';
import type { CpuView, MachineInfo, PlayheadView, ProofSegment, TracksWindow } from '../../src-sim/protocol/index.ts';
import { fetchCompareTracks, fetchTracks, focusViolation, seek, setTimeAxis, setWindow, store, type AppState } from '../store.ts';
import { stepEnd } from '../position.ts';
import { RaceMarks } from './RaceMarks.tsx';
import { ConformanceMarks } from './ConformanceMarks.tsx';
import { DEFAULT_GEOMETRY, LARGE_GEOMETRY, layoutBlocks, layoutIpis, layoutMarkers, layoutRows, proofText, type Band, type RowBox } from '../layout/lanes.ts';
import { useTraceOnScreen } from './useTraceOnScreen.ts';
import { mmSwatch } from '../layout/palette.ts';
import { drawLanes } from './draw-lanes.ts';
import { useElementSize } from './useElementSize.ts';
import { useTheme } from './useTheme.ts';
import { useSettled } from './useSettled.ts';
import { Term } from './Term.tsx';
import { Axis } from './Axis.tsx';
import { exportJson, exportPng, exportSvg } from './export.ts';
import { RefcountGraphs } from './RefcountGraphs.tsx';
import { END_MARGIN, Playhead, pick, type Slot } from './Playhead.tsx';
import { MICROSTEP_US } from '../../src-sim/protocol/index.ts';

/** A micro-step's nominal time on a trace's axis, in ns (for the axis's explanation). */
const MICROSTEP_NS = Math.round(MICROSTEP_US * 1000);

export const LABEL_WIDTH = 230;
/** Room kept for a vertical scrollbar. */
const SCROLLBAR = 18;
const MAX_LANES_HEIGHT = 420;

/** Clicking the compared variant's lanes moves the main playhead to the end of the same step. */
function seekFrom(slot: Slot, t: number): void {
  if (slot === 'main') return seek(t);
  const { compare, summary } = store.getState();
  if (!compare || !summary) return;
  const step = compare.summary.steps.find((s) => t > s.firstMicrostep && t <= stepEnd(s));
  const mine = step ? summary.steps[step.index] : undefined;
  seek(mine ? stepEnd(mine) : 0);
}

export function Lanes({ slot = 'main' }: { slot?: Slot }) {
  const machine = useStore(store, (s) => pick(s, slot).summary?.machine ?? null);
  const n = useStore(store, (s) => pick(s, slot).summary?.microstepCount ?? 0);
  // A trace's scenario is drawn on the trace's time (or, when asked, in micro-steps with trace-time ticks).
  const map = useStore(store, (s) => axisMapOf(pick(s, slot).summary, s.timeAxis));
  const timeAxis = useStore(store, (s) => s.timeAxis);
  const domain = useStore(store, (s) => pick(s, slot).domain);
  const tracks = useStore(store, (s) => pick(s, slot).tracks);
  const view = useStore(store, (s) => pick(s, slot).view);
  const presenting = useStore(store, (s) => s.presenting);
  const theme = useTheme();

  const outer = useRef<HTMLDivElement>(null);
  const { width: outerWidth } = useElementSize(outer);
  // Taller rows when presenting, or when the screen has the room (1920x1080 and up).
  const large = presenting || window.innerHeight >= 1000;
  // A kernel trace's scenario: each CPU also gets the row of what the trace proves (main lanes only).
  const trace = useTraceOnScreen();
  const proof = slot === 'main' ? (trace?.conformance.proof?.cpus ?? null) : null;
  const rows = useMemo(() => (machine ? layoutRows(machine, large ? LARGE_GEOMETRY : DEFAULT_GEOMETRY, !!proof) : null), [machine, large, proof]);
  const maxHeight = presenting ? 10_000 : MAX_LANES_HEIGHT;
  // When the lanes scroll vertically, their scrollbar takes room from the plot (the axis above must stay aligned).
  const gutter = rows && rows.height > maxHeight ? SCROLLBAR : 0;
  const plotWidth = Math.max(100, outerWidth - LABEL_WIDTH - gutter);
  // A margin on the right keeps the final state's playhead and markers in view.
  const x = useMemo(() => axisScale(map, domain, [0, plotWidth - END_MARGIN]), [map, domain, plotWidth]);

  // Fetch tracks for the window in view, about one bucket per 2 px; a burst of zoom events fetches once.
  useEffect(() => {
    if (!machine || plotWidth <= 100) return;
    const timer = setTimeout(() => void (slot === 'main' ? fetchTracks(domain[0], domain[1], plotWidth / 2) : fetchCompareTracks(plotWidth / 2)), 60);
    return () => clearTimeout(timer);
  }, [machine, domain, plotWidth, slot]);

  // The playhead moves many times a second: the section's data-t (what tests and tools read) is set directly, and
  // only the small Playhead components re-render; nothing else here depends on it.
  useEffect(() => {
    const el = outer.current;
    if (!el) return;
    const set = (s: AppState) => {
      el.dataset.t = String(pick(s, slot).t);
    };
    set(store.getState());
    return store.subscribe(set);
  }, [slot, machine]);

  if (!machine || !rows) return null;

  return (
    <section
      className={`lanes-panel${slot === 'compare' ? ' is-compare' : ''}`}
      aria-label={slot === 'main' ? 'Lanes: each CPU over time' : `Lanes of the compared variant`}
      data-testid={slot === 'main' ? 'lanes' : 'compare-lanes'}
      data-view-t={view?.t ?? ''}
      data-tracks={tracks ? `${tracks.from}-${tracks.to}` : ''}
      ref={outer}
    >
      <div className="lanes-axis-row">
        <div className="lanes-corner" style={{ width: LABEL_WIDTH }}>
          <div className="lanes-corner-line">
            <span className="hint">{n} micro{'\u2011'}steps</span>
            {slot === 'main' ? <span className="export-buttons" role="group" aria-label="Export the lanes">
              <button type="button" className="mini-button" onClick={() => exportSvg(theme, plotWidth, LABEL_WIDTH)} data-testid="export-svg">
                SVG
              </button>
              <button type="button" className="mini-button" onClick={() => void exportPng(theme, plotWidth, LABEL_WIDTH)} data-testid="export-png">
                PNG
              </button>
              <button type="button" className="mini-button" onClick={() => void exportJson()} data-testid="export-json" title="The run as `npm run sim -- run --json` prints it">
                JSON
              </button>
            </span> : null}
          </div>
          {map.clock && slot === 'main' ? (
            <div className="lanes-corner-line">
              <span className="hint">axis</span>
              <button
                type="button"
                className="mini-button"
                aria-pressed={map.kind === 'time'}
                data-testid="trace-axis-toggle"
                onClick={() => setTimeAxis(!timeAxis)}
                title={
                  map.kind === 'time'
                    ? `Drawn to scale in the trace's time: each traced event at its timestamp, its micro-steps ${MICROSTEP_NS} ns apart (closer if the next event comes sooner). Click for one micro-step per unit.`
                    : "One micro-step per unit; ticks at round trace times where the run reaches them. Click to draw to scale in the trace's time."
                }
              >
                {map.kind === 'time' ? 'trace time, to scale' : 'one micro-step per unit'}
              </button>
            </div>
          ) : null}
        </div>
        <Axis x={x} map={map} width={plotWidth} slot={slot} />
      </div>
      <LaneScroller
        machine={machine}
        rows={rows}
        tracks={tracks}
        view={view}
        x={x}
        map={map}
        proof={proof}
        plotWidth={plotWidth}
        n={n}
        maxHeight={maxHeight}
        theme={theme}
        slot={slot}
        fontPx={large ? 15 : 12}
      />
      <RefcountGraphs x={x} plotWidth={plotWidth} labelWidth={LABEL_WIDTH} slot={slot} />
    </section>
  );
}

interface ScrollerProps {
  machine: MachineInfo;
  rows: ReturnType<typeof layoutRows>;
  tracks: TracksWindow | null;
  view: PlayheadView | null;
  x: AxisScale;
  map: AxisMap;
  proof: ProofSegment[][] | null;
  plotWidth: number;
  n: number;
  maxHeight: number;
  theme: ReturnType<typeof useTheme>;
  slot: Slot;
  fontPx: number;
}

/** The page's font family, read once (reading computed style on every draw forces a style recalculation). */
let family: string | null = null;
function fontFamily(): string {
  return (family ??= getComputedStyle(document.documentElement).fontFamily);
}

function LaneScroller({ machine, rows, tracks, view, x, map, proof, plotWidth, n, maxHeight, theme, slot, fontPx }: ScrollerProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const plot = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const viewHeight = Math.min(rows.height, maxHeight);
  const names = useMemo(() => ({ tasks: machine.tasks, mms: machine.mms }), [machine]);

  // Lay out the bands on screen and one screen above and below, in steps of a screen: scrolling re-lays out rarely,
  // and zooming a 64-CPU machine costs what is visible.
  const page = Math.max(1, viewHeight);
  const band0 = Math.floor(scrollTop / page);
  const yRange = useMemo<[number, number]>(() => [(band0 - 1) * page, (band0 + 2) * page], [band0, page]);
  const blocks = useMemo(() => (tracks ? layoutBlocks(rows, tracks, x, plotWidth, names, theme, yRange, proof) : []), [rows, tracks, x, plotWidth, names, theme, yRange, proof]);
  const ipis = useMemo(() => (tracks ? layoutIpis(rows, tracks.ipis, x, plotWidth) : { arrows: [], clusters: [] }), [rows, tracks, x, plotWidth]);
  const markers = useMemo(() => (tracks ? layoutMarkers(rows, tracks.findings, x, plotWidth, yRange) : []), [rows, tracks, x, plotWidth, yRange]);

  useLayoutEffect(() => {
    if (!canvas.current) return;
    const font = `${fontPx}px ${fontFamily()}`;
    drawLanes(canvas.current, { rows, blocks, arrows: ipis.arrows, clusters: ipis.clusters, width: plotWidth, top: scrollTop, height: viewHeight, theme, font });
  }, [rows, blocks, ipis, plotWidth, scrollTop, viewHeight, theme, fontPx]);

  useZoom(plot, x, map, plotWidth - END_MARGIN, n, rows.height > viewHeight, slot === 'main');

  return (
    <div
      className="lanes-scroll"
      ref={scroller}
      style={{ maxHeight }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="lanes-inner" style={{ height: rows.height }}>
        <div className="lane-labels" style={{ width: LABEL_WIDTH }}>
          {/* Values only for the bands laid out (on screen and a screen around): scrubbing a 64-CPU run re-renders
              what can be seen; the others say "…" until scrolled near. */}
          {rows.bands.map((band) => (
            <BandLabels
              key={`${band.actor.kind}${band.actor.n}`}
              band={band}
              view={band.y + band.h >= yRange[0] && band.y <= yRange[1] ? view : null}
              machine={machine}
              proof={band.actor.kind === 'cpu' ? (proof?.[band.actor.n] ?? null) : null}
            />
          ))}
        </div>
        <div
          className="lane-plot"
          ref={plot}
          style={{ width: plotWidth }}
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            const p = x.invert(e.clientX - box.left);
            // In micro-steps the nearest position; in time the state drawn under the pointer (it holds until the next).
            seekFrom(slot, map.kind === 'time' ? Math.floor(p + 1e-9) : Math.round(p));
          }}
          data-testid={slot === 'main' ? 'lane-plot' : 'compare-plot'}
        >
          <div className="lane-canvas-holder">
            <canvas ref={canvas} className="lane-canvas" style={{ width: plotWidth, height: viewHeight }} aria-hidden="true" />
          </div>
          <RaceMarks x={x} slot={slot} />
          {slot === 'main' ? <ConformanceMarks x={x} /> : null}
          <Playhead x={x} slot={slot} />
          <Markers markers={markers} slot={slot} maxX={plotWidth - 18} />
          <LanesText blocks={blocks} rows={rows} />
        </div>
      </div>
    </div>
  );
}

/**
 * d3-zoom on the plot: wheel zooms (with ctrl when the lanes scroll vertically), drag pans; the store owns the window.
 * d3 works in the axis coordinate (micro-steps, or a trace's µs: axis-map.ts), the store in positions.
 */
function useZoom(plot: React.RefObject<HTMLDivElement | null>, x: AxisScale, map: AxisMap, width: number, n: number, scrolls: boolean, enabled: boolean): void {
  const behavior = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  /** True while we move d3's transform to the store's window ourselves (its zoom event must not echo back). */
  const syncing = useRef(false);
  const extent = useMemo<[number, number]>(() => (map.kind === 'time' ? [map.of(0), map.of(n)] : [0, Math.max(1, n)]), [map, n]);
  const base = useMemo(() => scaleLinear().domain(extent).range([0, width]), [extent, width]);

  useEffect(() => {
    const el = plot.current;
    if (!el || !enabled) return;
    const z = zoom<HTMLDivElement, unknown>()
      .scaleExtent([1, Math.max(1, (extent[1] - extent[0]) / map.minSpan)])
      .translateExtent([[0, 0], [width, 0]])
      .extent([[0, 0], [width, 0]])
      .filter((event: Event) => {
        if (event.type === 'wheel') return !scrolls || (event as WheelEvent).ctrlKey || (event as WheelEvent).metaKey;
        if (event.type === 'dblclick') return false;
        return !(event as MouseEvent).button;
      })
      .on('zoom', (event) => {
        // Our own sync below: d3 may still attach the wheel gesture in progress as sourceEvent, so a flag says it.
        if (!event.sourceEvent || syncing.current) return;
        const [from, to] = event.transform.rescaleX(base).domain();
        setWindow(map.position(from), map.position(to));
      });
    select(el).call(z);
    behavior.current = z;
    return () => {
      select(el).on('.zoom', null);
    };
  }, [plot, base, extent, map, width, scrolls, enabled]);

  // Keep d3-zoom's transform equal to the store's window (keyboard zoom, load, resize).
  useEffect(() => {
    const el = plot.current;
    const z = behavior.current;
    if (!el || !z) return;
    const [p0, p1] = x.domain();
    const [from, to] = [map.of(p0), map.of(p1)];
    const k = (extent[1] - extent[0]) / Math.max(1e-12, to - from);
    const now = zoomTransform(el);
    if (Math.abs(now.k - k) < 1e-9 * k && Math.abs(now.x + k * base(from)) < 0.01) return;
    syncing.current = true;
    try {
      z.transform(select(el), zoomIdentity.scale(k).translate(-base(from), 0));
    } finally {
      syncing.current = false;
    }
  }, [plot, x, map, base, extent]);
}

/** A band's labels and their values at the playhead: computed here, drawn by BandLabelsOf only when they change. */
function BandLabels({ band, view, machine, proof }: { band: Band; view: PlayheadView | null; machine: MachineInfo; proof: ProofSegment[] | null }) {
  const cpu = band.actor.kind === 'cpu' ? view?.cpus[band.actor.n] : undefined;
  const dev = band.actor.kind === 'device' ? view?.devices[band.actor.n] : undefined;
  const names = view ?? { taskNames: machine.tasks.map((t) => t.name), mmNames: machine.mms.map((m) => m.name) };
  const values = band.rows.map((row) => rowValue(row, cpu, dev, names));
  const titles = values.slice();
  // A task that died is still rq->curr until its final switch: say so (the core says when it died).
  const curr = cpu ? machine.tasks[cpu.curr] : undefined;
  if (view && curr?.diedAt !== undefined && view.t >= curr.diedAt) values[band.rows.findIndex((r) => r.kind === 'current')] += ' (exited)';
  const mms = band.rows.map((row) => rowMm(row, cpu, dev));
  // What the trace proves at the playhead, and (on hover) the event that proves it.
  const traceRow = band.rows.findIndex((r) => r.kind === 'trace');
  if (traceRow >= 0 && proof && view) {
    const seg = proofAt(proof, view.t);
    values[traceRow] = proofText(seg, { tasks: machine.tasks, mms: machine.mms });
    titles[traceRow] = `${values[traceRow]}: ${seg.why}${seg.line !== null ? ` (trace line ${seg.line})` : ''}`;
    mms[traceRow] = seg.mm;
  }
  return <BandLabelsOf band={band} values={values} titles={titles} mms={mms} />;
}

/** The proof segment holding at position t (the last one starting at or before it). */
function proofAt(segments: ProofSegment[], t: number): ProofSegment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].from <= t) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo];
}

const sameList = <T,>(a: T[], b: T[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Every new view is a new object; a band re-renders only when one of its values changed (64 CPUs, a few change). */
const BandLabelsOf = memo(
  function BandLabelsOf({ band, values, titles, mms }: { band: Band; values: string[]; titles: string[]; mms: Array<number | null> }) {
  return (
    <div
      role="group"
      aria-label={band.actor.kind === 'cpu' ? `CPU ${band.actor.n}` : band.title}
      className="band-labels"
      style={{ top: band.y, height: band.h }}
      data-testid="lane-band"
      data-actor={`${band.actor.kind}${band.actor.n}`}
    >
      <div className="band-title" style={{ height: band.rows[0] ? band.rows[0].y - band.y : undefined, lineHeight: band.rows[0] ? `${band.rows[0].y - band.y}px` : undefined }}>
        {band.title}
      </div>
      {band.rows.map((row, i) => (
        <RowLabel key={row.kind} row={row} bandY={band.y} value={values[i]} title={titles[i]} mm={mms[i]} />
      ))}
    </div>
  );
  },
  (a, b) => a.band === b.band && sameList(a.values, b.values) && sameList(a.titles, b.titles) && sameList(a.mms, b.mms),
);

function RowLabel({ row, bandY, value, title, mm }: { row: RowBox; bandY: number; value: string; title: string; mm: number | null }) {
  return (
    <div className="row-label" style={{ top: row.y - bandY, height: row.h }} data-testid="lane-row" data-row={row.kind} aria-label={`${row.label}: ${value}`}>
      <span className="row-name">
        <Term id={ROW_TERM[row.kind]}>{row.label}</Term>
      </span>
      <span className="row-value" data-testid="lane-value" title={title}>
        {mm !== null && mm >= 0 ? <span className="swatch" style={{ background: mmSwatch(mm).fill }} aria-hidden="true" /> : null}
        {value}
      </span>
    </div>
  );
}

/** The glossary entry each row's name opens. */
const ROW_TERM: Record<RowBox['kind'], string> = {
  current: 'current',
  active_mm: 'active_mm',
  loaded: 'loaded',
  lazy: 'lazy',
  kernel: 'kernel_code',
  trace: 'trace_loaded',
  dev_mm: 'secondary',
  dev_entries: 'secondary',
};

type NameSource = { taskNames: string[]; mmNames: string[] };

function rowValue(row: RowBox, cpu: CpuView | undefined, dev: PlayheadView['devices'][number] | undefined, names: NameSource): string {
  const mmName = (m: number) => (m < 0 ? 'LOADED_MM_SWITCHING' : (names.mmNames[m] ?? `mm ${m}`));
  if (cpu) {
    switch (row.kind) {
      case 'current':
        return names.taskNames[cpu.curr] ?? `task ${cpu.curr}`;
      case 'active_mm':
        return mmName(cpu.activeMm);
      case 'loaded':
        return cpu.loaded.mm <= 0 ? mmName(cpu.loaded.mm) : `${mmName(cpu.loaded.mm)} (tag ${cpu.loaded.tag})`;
      case 'lazy':
        return cpu.lazy ? 'lazy' : 'no';
      case 'kernel': {
        const top = cpu.stack[cpu.stack.length - 1];
        if (!top) return cpu.mode === 'user' ? 'user code' : '—';
        return `${top.irq ? 'IPI ' : ''}${top.fn}`;
      }
      default:
        return '';
    }
  }
  if (dev) {
    if (row.kind === 'dev_mm') return dev.released ? 'released' : mmName(dev.mm);
    if (row.kind === 'dev_entries') return String(dev.tlb.length);
  }
  return '…';
}

function rowMm(row: RowBox, cpu: CpuView | undefined, dev: PlayheadView['devices'][number] | undefined): number | null {
  if (cpu && row.kind === 'active_mm') return cpu.activeMm;
  if (cpu && row.kind === 'loaded') return cpu.loaded.mm;
  if (dev && row.kind === 'dev_mm' && !dev.released) return dev.mm;
  return null;
}

/** Finding markers: buttons over the canvas (memoised: the playhead moving does not re-render them). */
const Markers = memo(function Markers({ markers, slot, maxX }: { markers: ReturnType<typeof layoutMarkers>; slot: Slot; maxX: number }) {
  return (
    <>
      {markers.map((m) => (
        <button
          key={`${m.finding.warning ? 'w' : 'v'}${m.finding.index}`}
          type="button"
          className={`finding-marker${m.finding.warning ? ' is-warning' : ''}`}
          style={{ left: Math.max(18, Math.min(maxX, m.x)), top: m.y }}
          data-testid="finding-marker"
          data-invariant={m.finding.id}
          aria-label={`${m.finding.warning ? 'kernel event' : `${m.finding.id} violated`} at micro-step ${m.finding.t}: show it`}
          title={`${m.finding.id} at micro-step ${m.finding.t}`}
          onClick={(e) => {
            e.stopPropagation();
            seekFrom(slot, m.finding.t);
            if (!m.finding.warning && slot === 'main') focusViolation(m.finding.index);
          }}
        >
          <span aria-hidden="true">{m.finding.warning ? '⚠' : '✗'}</span>
          <span className="marker-id">{m.finding.id}</span>
        </button>
      ))}
    </>
  );
});

/** What the canvas shows, as text for assistive technology: each row's blocks in view (capped). */
const LanesText = memo(function LanesText({ blocks: latest, rows }: { blocks: ReturnType<typeof layoutBlocks>; rows: ReturnType<typeof layoutRows> }) {
  // Rewritten once a zoom or pan has settled, not at every frame of it: it is read, not watched.
  const blocks = useSettled(latest, 150);
  const byRow = useMemo(() => {
    const map = new Map<number, string[]>();
    for (const b of blocks) {
      const list = map.get(b.y) ?? [];
      if (list.length < 40) list.push(b.text);
      map.set(b.y, list);
    }
    return map;
  }, [blocks]);
  return (
    <div className="sr-only">
      {rows.bands.map((band) => (
        <ul key={`${band.actor.kind}${band.actor.n}`} aria-label={`${band.title}, what the lanes show in view`}>
          {band.rows.map((row) => (
            <li key={row.kind}>
              {row.label}: {(byRow.get(row.y + 2) ?? []).join(', ') || 'nothing'}
            </li>
          ))}
        </ul>
      ))}
    </div>
  );
});
