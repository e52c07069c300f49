/**
 * Lanes, as pure geometry: tracks + a time scale + names -> rows, blocks, IPI arrows and finding markers in pixels.
 * The canvas view draws exactly this; tests check it without a browser.
 */
import type { AxisScale } from '../axis-map.ts';
import {
  isBusy,
  type Actor,
  type FindingMark,
  type IpiBusy,
  type IpiMark,
  type LaneItem,
  type LoadedMm,
  type MachineInfo,
  type ProofSegment,
  type TracksWindow,
} from '../../src-sim/protocol/index.ts';
import { mmSwatch, type Swatch, type Theme } from './palette.ts';

export type CpuRow = 'current' | 'active_mm' | 'loaded' | 'lazy' | 'kernel' | 'trace';
export type DeviceRow = 'dev_mm' | 'dev_entries';
export type RowKind = CpuRow | DeviceRow;

export const CPU_ROWS: ReadonlyArray<{ kind: CpuRow; label: string }> = [
  { kind: 'current', label: 'current' },
  { kind: 'active_mm', label: 'active_mm' },
  { kind: 'loaded', label: 'loaded mm' },
  { kind: 'lazy', label: 'lazy' },
  { kind: 'kernel', label: 'kernel code' },
];

/** Under a CPU's rows when the run is a kernel trace's scenario: the loaded mm as the trace proves it (proof.ts). */
export const TRACE_ROW: { kind: CpuRow; label: string } = { kind: 'trace', label: 'trace: loaded' };

export const DEVICE_ROWS: ReadonlyArray<{ kind: DeviceRow; label: string }> = [
  { kind: 'dev_mm', label: 'bound mm' },
  { kind: 'dev_entries', label: 'TLB entries' },
];

export interface Geometry {
  rowHeight: number;
  /** Space above each band for its title. */
  bandHeader: number;
  bandGap: number;
}

export const DEFAULT_GEOMETRY: Geometry = { rowHeight: 20, bandHeader: 22, bandGap: 10 };
/** Presentation mode: taller rows for larger type. */
export const LARGE_GEOMETRY: Geometry = { rowHeight: 26, bandHeader: 26, bandGap: 12 };

export interface Band {
  actor: Actor;
  title: string;
  y: number;
  h: number;
  rows: RowBox[];
}

export interface RowBox {
  kind: RowKind;
  label: string;
  y: number;
  h: number;
}

export interface RowsLayout {
  bands: Band[];
  height: number;
}

/**
 * One band per CPU, then one per device; the band's rows stacked under its title. `traced`: each CPU band also has the
 * row of what a kernel trace proves.
 */
export function layoutRows(machine: MachineInfo, g: Geometry = DEFAULT_GEOMETRY, traced = false): RowsLayout {
  const bands: Band[] = [];
  let y = 0;
  const add = (actor: Actor, title: string, kinds: ReadonlyArray<{ kind: RowKind; label: string }>) => {
    const top = y;
    y += g.bandHeader;
    const rows = kinds.map((r) => {
      const box = { kind: r.kind, label: r.label, y, h: g.rowHeight };
      y += g.rowHeight;
      return box;
    });
    bands.push({ actor, title, y: top, h: y - top, rows });
    y += g.bandGap;
  };
  const cpuRows = traced ? [...CPU_ROWS, TRACE_ROW] : CPU_ROWS;
  for (let c = 0; c < machine.cpus; c++) add({ kind: 'cpu', n: c }, `CPU ${c}`, cpuRows);
  machine.devices.forEach((d, i) => add({ kind: 'device', n: i }, `${d.name} (${d.kind === 'shared' ? 'shares the page tables' : 'shadow page tables'})`, DEVICE_ROWS));
  return { bands, height: Math.max(0, y - g.bandGap) };
}

export type BlockStyle = 'solid' | 'hatch' | 'busy' | 'switching';

export interface Block {
  x: number;
  w: number;
  y: number;
  h: number;
  swatch: Swatch;
  style: BlockStyle;
  /** Drawn when it fits; also the block's accessible description. */
  text: string;
}

export interface Names {
  tasks: MachineInfo['tasks'];
  mms: MachineInfo['mms'];
}

type Scale = AxisScale;

/**
 * The blocks of every row, clipped to [0, width]. Values that say "nothing" (no kernel code, not lazy) draw no block.
 * `yRange`, if given, limits the work to the bands that overlap it (a 64-CPU machine shows a few at a time).
 */
export function layoutBlocks(rows: RowsLayout, tracks: TracksWindow, x: Scale, width: number, names: Names, theme: Theme, yRange?: [number, number], proof?: ProofSegment[][] | null): Block[] {
  const out: Block[] = [];
  for (const band of rows.bands) {
    if (yRange && (band.y + band.h < yRange[0] || band.y > yRange[1])) continue;
    if (band.actor.kind === 'cpu') {
      const track = tracks.cpus[band.actor.n];
      if (!track) continue;
      for (const row of band.rows) {
        switch (row.kind) {
          case 'current':
            push(out, splitAtDeath(track.curr, names), row, x, width, theme, (task) => taskBlock(task, names, theme));
            break;
          case 'active_mm':
            push(out, track.activeMm, row, x, width, theme, (mm) => ({ swatch: mmSwatch(mm), style: 'solid', text: mmName(mm, names) }));
            break;
          case 'loaded':
            push(out, track.loadedMm, row, x, width, theme, (l) => loadedBlock(l, names));
            break;
          case 'lazy':
            push(out, track.lazy, row, x, width, theme, (lazy) => (lazy ? { swatch: theme.lazy, style: 'hatch', text: 'lazy' } : null));
            break;
          case 'kernel':
            push(out, track.inFlight, row, x, width, theme, (f) =>
              f ? { swatch: f.irq ? theme.irq : theme.kernel, style: 'solid', text: f.irq ? `IPI: ${f.fn}` : f.fn } : null,
            );
            break;
          case 'trace': {
            const segments = proof?.[band.actor.n];
            if (segments) push(out, proofItems(segments, tracks.from, tracks.to), row, x, width, theme, (seg) => proofBlock(seg, names, theme));
            break;
          }
          default:
            break;
        }
      }
    } else {
      const track = tracks.devices[band.actor.n];
      if (!track) continue;
      for (const row of band.rows) {
        if (row.kind === 'dev_mm') {
          push(out, track.mm, row, x, width, theme, (mm) =>
            mm < 0 ? { swatch: theme.idle, style: 'solid', text: 'released' } : { swatch: mmSwatch(mm), style: 'solid', text: mmName(mm, names) },
          );
        } else if (row.kind === 'dev_entries') {
          push(out, track.entries, row, x, width, theme, (n) =>
            n === 0 ? null : { swatch: theme.kernel, style: 'solid', text: `${n} ${n === 1 ? 'entry' : 'entries'}` },
          );
        }
      }
    }
  }
  return out;
}

type Look = { swatch: Swatch; style: BlockStyle; text: string } | null;

function push<V>(out: Block[], items: LaneItem<V>[], row: RowBox, x: Scale, width: number, theme: Theme, look: (v: V) => Look): void {
  const y = row.y + 2;
  const h = row.h - 4;
  for (const item of items) {
    if (x(item.to) < 0 || x(item.from) > width) continue;
    const x0 = Math.max(0, x(item.from));
    const w = Math.max(1, Math.min(width, x(item.to)) - x0);
    if (isBusy(item)) {
      out.push({ x: x0, w, y, h, swatch: theme.busy, style: 'busy', text: `busy: ${item.busy} changes` });
      continue;
    }
    const l = look(item.value);
    if (l) out.push({ x: x0, w, y, h, ...l });
  }
}

/** A CPU's proof segments over [from, to], as lane items (each holds until the next one starts). */
function proofItems(segments: ProofSegment[], from: number, to: number): LaneItem<ProofSegment>[] {
  const out: LaneItem<ProofSegment>[] = [];
  for (let i = 0; i < segments.length; i++) {
    const end = i + 1 < segments.length ? segments[i + 1].from : Infinity;
    if (end <= from || segments[i].from > to) continue;
    out.push({ from: Math.max(from, segments[i].from), to: Math.min(to, end), value: segments[i] });
  }
  return out;
}

/** What the trace proves loaded: the mm in its colour (hatched while a kernel thread runs on it lazily), or unknown. */
export function proofText(seg: ProofSegment, names: Names): string {
  if (seg.mm === null) return 'unknown';
  return `${mmName(seg.mm, names)}${seg.lazy ? ' (lazy)' : ''}`;
}

function proofBlock(seg: ProofSegment, names: Names, theme: Theme): Look {
  if (seg.mm === null) return { swatch: theme.idle, style: 'solid', text: 'unknown (nothing traced yet)' };
  return { swatch: mmSwatch(seg.mm), style: seg.lazy ? 'hatch' : 'solid', text: proofText(seg, names) };
}

function mmName(mm: number, names: Names): string {
  if (mm < 0) return '—';
  return names.mms[mm]?.name ?? `mm ${mm}`;
}

/**
 * A task that exits stays rq->curr until its final switch: its "current" segment is cut where it died (do_exit's
 * do_task_dead), and the part after says so. Values past the machine's tasks mark the dead part (task + DEAD).
 */
const DEAD = 1 << 20;

function splitAtDeath(items: LaneItem<number>[], names: Names): LaneItem<number>[] {
  let out: LaneItem<number>[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const died = isBusy(it) ? undefined : names.tasks[it.value]?.diedAt;
    if (died === undefined || died >= it.to || isBusy(it)) {
      out?.push(it);
      continue;
    }
    out ??= items.slice(0, i);
    if (died > it.from) out.push({ ...it, to: died });
    out.push({ ...it, from: Math.max(it.from, died), value: it.value + DEAD });
  }
  return out ?? items;
}

function taskBlock(value: number, names: Names, theme: Theme): Look {
  const dead = value >= DEAD;
  const task = dead ? value - DEAD : value;
  const look = liveTaskBlock(task, names, theme);
  return dead && look ? { ...look, swatch: theme.idle, text: `${names.tasks[task]?.name ?? `task ${task}`} (exited)` } : look;
}

function liveTaskBlock(task: number, names: Names, theme: Theme): Look {
  const info = names.tasks[task];
  if (!info) return { swatch: theme.userTask, style: 'solid', text: `task ${task}` };
  if (info.idleOf >= 0) return { swatch: theme.idle, style: 'solid', text: info.name };
  return { swatch: info.kthread ? theme.kthread : theme.userTask, style: 'solid', text: info.kthread ? `${info.name} (kthread)` : info.name };
}

function loadedBlock(l: LoadedMm, names: Names): Look {
  if (l.mm < 0) return { swatch: { fill: '#b00020', ink: '#ffffff' }, style: 'switching', text: 'LOADED_MM_SWITCHING' };
  return { swatch: mmSwatch(l.mm), style: 'solid', text: l.mm === 0 ? mmName(l.mm, names) : `${mmName(l.mm, names)} · tag ${l.tag}` };
}

export interface Arrow {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Still pending at the end of the run (drawn dashed, open-ended). */
  pending: boolean;
  text: string;
}

export interface IpiCluster {
  x: number;
  w: number;
  y: number;
  text: string;
}

/** The y of a band's "kernel code" row centre (where IPIs leave and land). */
function ipiY(rows: RowsLayout, cpu: number): number | null {
  const band = rows.bands.find((b) => b.actor.kind === 'cpu' && b.actor.n === cpu);
  if (!band) return null;
  const row = band.rows.find((r) => r.kind === 'kernel') ?? band.rows[band.rows.length - 1];
  return row.y + row.h / 2;
}

export function layoutIpis(rows: RowsLayout, ipis: Array<IpiMark | IpiBusy>, x: Scale, width: number): { arrows: Arrow[]; clusters: IpiCluster[] } {
  const arrows: Arrow[] = [];
  const clusters: IpiCluster[] = [];
  for (const ipi of ipis) {
    if ('busy' in ipi) {
      const x0 = Math.max(0, x(ipi.from));
      const x1 = Math.min(width, x(ipi.to));
      if (x1 < 0 || x0 > width) continue;
      clusters.push({ x: x0, w: Math.max(2, x1 - x0), y: 0, text: `${ipi.busy} IPIs` });
      continue;
    }
    const y1 = ipiY(rows, ipi.from);
    const y2 = ipiY(rows, ipi.to);
    if (y1 === null || y2 === null) continue;
    const x1 = x(ipi.sent);
    const x2 = x(ipi.delivered ?? ipi.sent);
    if (Math.max(x1, x2) < 0 || Math.min(x1, x2) > width) continue;
    arrows.push({ x1, y1, x2, y2, pending: ipi.delivered === null, text: `IPI ${ipi.kind}: CPU ${ipi.from} → CPU ${ipi.to}` });
  }
  return { arrows, clusters };
}

export interface Marker {
  x: number;
  y: number;
  finding: FindingMark;
}

/**
 * A marker per finding in view, on the band of its first actor (the top of the lanes when it has none). `yRange`, if
 * given, keeps the markers of the bands that overlap it (as layoutBlocks).
 */
export function layoutMarkers(rows: RowsLayout, findings: FindingMark[], x: Scale, width: number, yRange?: [number, number]): Marker[] {
  const out: Marker[] = [];
  // Findings at the same place stack downwards instead of hiding each other.
  const taken = new Map<string, number>();
  for (const f of findings) {
    const px = x(f.t);
    if (px < -4 || px > width + 4) continue;
    const a = f.actors[0];
    const band = a ? rows.bands.find((b) => b.actor.kind === a.kind && b.actor.n === a.n) : undefined;
    if (yRange && band && (band.y + band.h < yRange[0] || band.y > yRange[1])) continue;
    const key = `${band?.y ?? 0}:${Math.round(px / 24)}`;
    const k = taken.get(key) ?? 0;
    taken.set(key, k + 1);
    out.push({ x: px, y: (band ? band.y + 2 : 0) + k * 16, finding: f });
  }
  return out;
}

/** The value a row shows at t (the segment holding at t; the last one also holds at its end). */
export function valueAt<V>(items: LaneItem<V>[], t: number): LaneItem<V> | undefined {
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (t >= it.from && (t < it.to || i === items.length - 1)) return it;
  }
  return undefined;
}
