/**
 * Refcount graphs, as pure geometry: one mm's mm_users and mm_count as step lines over the shared time scale, the
 * teardown and free moments, and a hover target per change (naming the CPU and kernel code that made it).
 */
import { line, curveStepAfter, scaleLinear } from 'd3';
import type { AxisScale } from '../axis-map.ts';
import type { Provenance, RefcountPoint, RefcountTrack } from '../../src-sim/protocol/index.ts';

export interface RefcountLayout {
  users: string;
  count: string;
  /** y of each tick of the value axis, with its label. */
  yTicks: Array<{ y: number; value: number }>;
  changes: Array<{ x: number; yUsers: number; yCount: number; point: RefcountPoint }>;
  teardown: number | null;
  freed: number | null;
}

export function layoutRefcount(
  track: RefcountTrack,
  x: AxisScale,
  width: number,
  height: number,
  window: { from: number; to: number },
): RefcountLayout {
  const max = Math.max(
    2,
    track.start.count,
    track.start.users,
    ...track.points.map((p) => Math.max(p.maxCount ?? p.count, p.maxUsers ?? p.users)),
  );
  const pad = 4;
  const y = scaleLinear().domain([0, max]).range([height - pad, pad]).nice();
  const xs = (t: number) => Math.max(-1, Math.min(width + 1, x(t)));
  type P = [number, number];
  const series = (pick: (p: { users: number; count: number }) => number): P[] => {
    const pts: P[] = [[xs(window.from), y(pick(track.start))]];
    for (const p of track.points) pts.push([xs(p.t), y(pick(p))]);
    pts.push([xs(window.to), pts[pts.length - 1][1]]);
    return pts;
  };
  const path = line<P>().curve(curveStepAfter);
  const at = (p: Provenance | null) => (p && p.t >= window.from && p.t <= window.to ? x(p.t) : null);
  return {
    users: path(series((p) => p.users)) ?? '',
    count: path(series((p) => p.count)) ?? '',
    yTicks: y.ticks(Math.min(max, 3)).filter(Number.isInteger).map((v) => ({ y: y(v), value: v })),
    changes: track.points
      .filter((p) => p.t >= window.from && p.t <= window.to)
      .map((p) => ({ x: x(p.t), yUsers: y(p.users), yCount: y(p.count), point: p })),
    teardown: at(track.teardown),
    freed: at(track.freed),
  };
}

/** What hovering a change says: the values and who made them. */
export function changeText(p: RefcountPoint, cpuOrDevice: string, operation = ''): string {
  const who = `${cpuOrDevice} in ${p.fn} › ${p.label}${operation ? `, during ${operation}` : ''}`;
  if (p.merged && p.merged > 1) {
    return `${p.merged} changes (mm_users ${p.minUsers}–${p.maxUsers}, mm_count ${p.minCount}–${p.maxCount}); last: mm_users ${p.users}, mm_count ${p.count}, by ${who}`;
  }
  return `mm_users ${p.users}, mm_count ${p.count} at micro-step ${p.t}, by ${who}`;
}
