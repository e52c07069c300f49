/**
 * Tracks windows (protocol/tracks.ts TracksWindow) from the recorded change points (tracks.ts): binary searches into
 * the change arrays, so a window costs about what it returns, not the length of the run.
 *
 * Resolution: with bucket width w = (to - from) / buckets, a row whose changes come closer than w to each other is
 * returned as one busy segment for that stretch; every other change is returned as a value segment, which then lasts
 * at least w (except the first and last, cut by the window). So a row has at most about two items per bucket.
 */
import type { Actor, CpuTrack, DeviceTrack, FindingMark, InFlight, IpiBusy, IpiMark, LaneItem, LoadedMm, PageEvent, RefcountPoint, RefcountTrack, TlbLife, TracksWindow } from '../protocol/tracks.ts';
import type { ViolationInfo } from '../protocol/summary.ts';
import type { TraceClock } from '../protocol/clock.ts';
import type { Timeline } from './timeline.ts';
import { IPI_LONG, LIFE_WALK, lowerBound, upperBound, type Log, type TracksRecorder } from './tracks.ts';

/** At most this many TLB lives per window; the rest are counted in tlbTruncated. */
export const TLB_CAP = 2000;

/**
 * How far apart positions are, for bucketing: on the micro-step axis positions themselves; on a trace's time axis
 * (protocol/clock.ts) their trace times, so that an idle millisecond gets buckets and a burst of micro-steps within
 * one nanosecond does not.
 */
export interface BucketAxis {
  /** The coordinate buckets are even in. */
  of(p: number): number;
  /** Its inverse (a fractional position between breakpoints). */
  position(u: number): number;
  /** True on the micro-step axis (a bucket narrower than one micro-step then returns every change). */
  identity: boolean;
}

export const MICROSTEP_AXIS: BucketAxis = { of: (p) => p, position: (u) => u, identity: true };

export function timeAxis(clock: TraceClock): BucketAxis {
  return { of: clock.toTime, position: clock.toPosition, identity: false };
}

/** A row's items over [from, to] (see the header), w being the bucket width on `axis`. The row must have a value at `from`. */
export function laneItems<V>(log: Log, from: number, to: number, w: number, value: (i: number) => V, axis: BucketAxis = MICROSTEP_AXIS): LaneItem<V>[] {
  const T = log.t;
  const out: LaneItem<V>[] = [];
  let cur = Math.max(0, upperBound(T, log.n, from) - 1);
  let segFrom = from;
  const end = upperBound(T, log.n, to);
  const merges = axis.identity ? w > 1 : true;
  const close = axis.identity ? (a: number, b: number) => b - a < w : (a: number, b: number) => axis.of(b) - axis.of(a) < w;
  /** The first position w after p on the axis. */
  const past = axis.identity ? (p: number) => p + w : (p: number) => axis.position(axis.of(p) + w);
  let i = cur + 1;
  while (i < end) {
    if (merges && i + 1 < end && close(T[i], T[i + 1])) {
      // A busy stretch: extend it while the next change is closer than w to the last one in it.
      let j = i + 1;
      for (;;) {
        const e = lowerBound(T, end, past(T[j]), j + 1);
        if (e - 1 > j) j = e - 1;
        else break;
      }
      out.push({ from: segFrom, to: T[i], value: value(cur) });
      out.push({ from: T[i], to: T[j], busy: j - i + 1 });
      segFrom = T[j];
      cur = j;
      i = j + 1;
      continue;
    }
    out.push({ from: segFrom, to: T[i], value: value(cur) });
    segFrom = T[i];
    cur = i++;
  }
  out.push({ from: segFrom, to, value: value(cur) });
  return out;
}

const actorOf = (ncpus: number, a: number): Actor => (a < ncpus ? { kind: 'cpu', n: a } : { kind: 'device', n: a - ncpus });

function cpuTrack(r: TracksRecorder, c: number, from: number, to: number, w: number, axis: BucketAxis): CpuTrack {
  const x = r.cpus[c];
  const num = (log: Log) => (i: number) => log.v[i];
  const bool = (log: Log) => (i: number) => log.v[i] !== 0;
  const loaded = (i: number): LoadedMm => ({ mm: x.loaded.v[i], tag: x.loaded.w![i] });
  const fly = (i: number): InFlight | null => {
    const v = x.inFlight.v[i];
    return v < 0 ? null : { fn: r.fnNames[v >> 1], irq: (v & 1) === 1 };
  };
  return {
    cpu: c,
    curr: laneItems(x.curr, from, to, w, num(x.curr), axis),
    activeMm: laneItems(x.activeMm, from, to, w, num(x.activeMm), axis),
    loadedMm: laneItems(x.loaded, from, to, w, loaded, axis),
    lazy: laneItems(x.lazy, from, to, w, bool(x.lazy), axis),
    irqsOff: laneItems(x.irqsOff, from, to, w, bool(x.irqsOff), axis),
    inFlight: laneItems(x.inFlight, from, to, w, fly, axis),
  };
}

function deviceTrack(r: TracksRecorder, d: number, from: number, to: number, w: number, axis: BucketAxis): DeviceTrack {
  const x = r.devices[d];
  return { device: d, mm: laneItems(x.mm, from, to, w, (i) => x.mm.v[i], axis), entries: laneItems(x.entries, from, to, w, (i) => x.entries.v[i], axis) };
}

function refcountTrack(tl: Timeline, mm: number, from: number, to: number, w: number, axis: BucketAxis): RefcountTrack {
  const r = tl.tracks;
  const log = r.mms[mm];
  const T = log.t;
  const users = log.v;
  const count = log.w!;
  const p = upperBound(T, log.n, from) - 1;
  const start = p >= 0 ? { users: users[p], count: count[p] } : { users: 0, count: 0 };
  const points: RefcountPoint[] = [];
  const end = upperBound(T, log.n, to);
  let i = p + 1;
  while (i < end) {
    // Changes in the same bucket merge into one point (w <= 1: every change is its own point).
    let j = i;
    if (!axis.identity || w > 1) {
      const u0 = axis.of(from);
      const bucketOf = (p: number) => Math.floor((axis.of(p) - u0) / w);
      const bucket = bucketOf(T[i]);
      while (j + 1 < end && bucketOf(T[j + 1]) === bucket) j++;
    }
    const pt: RefcountPoint = { ...tl.provenance(T[j]), users: users[j], count: count[j] };
    if (j > i) {
      let minU = Infinity, maxU = -Infinity, minC = Infinity, maxC = -Infinity;
      for (let q = i; q <= j; q++) {
        minU = Math.min(minU, users[q]);
        maxU = Math.max(maxU, users[q]);
        minC = Math.min(minC, count[q]);
        maxC = Math.max(maxC, count[q]);
      }
      Object.assign(pt, { merged: j - i + 1, minUsers: minU, maxUsers: maxU, minCount: minC, maxCount: maxC });
    }
    points.push(pt);
    i = j + 1;
  }
  const at = (t: number) => (t > 0 ? tl.provenance(t) : null);
  return { mm, start, points, teardown: at(r.teardown[mm]), freed: at(r.freed[mm]) };
}

/** Bucket boundaries (positions, even on `axis`): bucket k is [edge(k), edge(k + 1)); the last one also holds `to`. */
function edges(from: number, to: number, buckets: number, axis: BucketAxis): (k: number) => number {
  if (axis.identity) return (k) => (k >= buckets ? to + 1 : from + Math.floor((k * (to - from)) / buckets));
  const u0 = axis.of(from);
  const u1 = axis.of(to);
  return (k) => (k >= buckets ? to + 1 : Math.max(from, Math.floor(axis.position(u0 + (k * (u1 - u0)) / buckets))));
}

function ipis(r: TracksRecorder, from: number, to: number, buckets: number, axis: BucketAxis): Array<IpiMark | IpiBusy> {
  const p = r.ipi;
  const S = p.sent.a;
  const n = p.sent.n;
  const hi = upperBound(S, n, to);
  const rows: number[] = [];
  const overlaps = (i: number) => p.done.a[i] < 0 || p.done.a[i] >= from;
  for (const i of r.longIpis) if (S[i] < from - IPI_LONG && overlaps(i)) rows.push(i);
  for (let i = lowerBound(S, n, from - IPI_LONG); i < hi; i++) if (overlaps(i)) rows.push(i);
  if (rows.length <= buckets) {
    const opt = (v: number) => (v < 0 ? null : v);
    return rows.map((i) => ({ id: p.id.a[i], kind: r.kindNames[p.kind.a[i]], from: p.from.a[i], to: p.to.a[i], sent: S[i], delivered: opt(p.delivered.a[i]), done: opt(p.done.a[i]) }));
  }
  // Too many to draw one by one: how many were sent per bucket.
  const edge = edges(from, to, buckets, axis);
  const out: IpiBusy[] = [];
  let lo = lowerBound(S, n, from);
  for (let k = 0; k < buckets && lo < hi; k++) {
    const b = lowerBound(S, hi, edge(k + 1), lo);
    if (b > lo) out.push({ from: edge(k), to: Math.min(edge(k + 1), to), busy: b - lo });
    lo = b;
  }
  return out;
}

function tlbLives(r: TracksRecorder, from: number, to: number): { tlb: TlbLife[]; truncated: number } {
  const L = r.lives;
  const alive = r.aliveAt(from);
  const lo = upperBound(L.filled.a, L.n, from);
  const hi = upperBound(L.filled.a, L.n, to, lo);
  const total = alive.length + (hi - lo);
  const ids: number[] = [];
  const take = (wrongOnly: boolean, chosen?: Set<number>) => {
    const consider = (id: number) => {
      if (ids.length >= TLB_CAP || chosen?.has(id)) return;
      if (!wrongOnly || L.wrong(id)) ids.push(id);
    };
    for (const id of alive) consider(id);
    for (let id = lo; id < hi && ids.length < TLB_CAP; id++) consider(id);
  };
  if (total <= TLB_CAP) take(false);
  else {
    // Too many: the lives that went wrong first, then the others.
    take(true);
    if (ids.length < TLB_CAP) take(false, new Set(ids));
  }
  return { tlb: ids.map((id) => tlbLife(r, id)), truncated: total - ids.length };
}

export function tlbLife(r: TracksRecorder, id: number): TlbLife {
  const L = r.lives;
  const wrong = L.wrong(id);
  const inval = L.invalidated.a[id];
  const life: TlbLife = {
    actor: actorOf(r.ncpus, L.actor.a[id]),
    va: L.va.a[id],
    page: L.page.a[id],
    tag: L.tag.a[id],
    mm: L.mm.a[id],
    walk: (L.flags.a[id] & LIFE_WALK) !== 0,
    filled: L.filled.a[id],
    wrongFrom: wrong ? wrong.t : null,
    wrongWhy: wrong ? wrong.why : null,
    invalidated: inval < 0 ? null : inval,
  };
  const worse: Array<{ t: number; why: 'freed' | 'reused' }> = [];
  const freedAt = L.wrongAt[1].a[id];
  const reusedAt = L.wrongAt[2].a[id];
  if (wrong && freedAt >= 0 && wrong.why === 'stale') worse.push({ t: freedAt, why: 'freed' });
  if (wrong && reusedAt >= 0 && wrong.why !== 'reused') worse.push({ t: reusedAt, why: 'reused' });
  if (worse.length) life.worse = worse;
  return life;
}

function pages(r: TracksRecorder, from: number, to: number): PageEvent[] {
  const e = r.pageEv;
  const out: PageEvent[] = [];
  const hi = upperBound(e.t.a, e.t.n, to);
  for (let i = lowerBound(e.t.a, e.t.n, from); i < hi; i++) {
    out.push({ page: e.page.a[i], t: e.t.a[i], what: e.reused.a[i] ? 'reused' : 'freed', owner: r.pageOwner[i] });
  }
  return out;
}

/**
 * Findings in [from, to]. Violations are returned one by one; warnings (faults, mostly) too unless there are more
 * than `buckets` of them in the window, then the first of each kind per bucket.
 */
function findings(tl: Timeline, list: ViolationInfo[], warning: boolean, from: number, to: number, buckets: number, axis: BucketAxis, out: FindingMark[]): void {
  // Findings are recorded in micro-step order; t = microstep + 1.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].microstep + 1 < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < list.length && list[end].microstep + 1 <= to) end++;
  const thin = warning && end - lo > buckets;
  const u0 = axis.of(from);
  const w = (axis.of(to) - u0) / buckets;
  const taken = new Set<string>();
  for (let i = lo; i < end; i++) {
    const v = list[i];
    if (thin) {
      const key = `${Math.floor((axis.of(v.microstep + 1) - u0) / w)}:${v.id}`;
      if (taken.has(key)) continue;
      taken.add(key);
    }
    const actors: Actor[] = v.cpus.map((c) => ({ kind: 'cpu', n: Number(c.slice(3)) }));
    if (!actors.length && tl.microstepCount > 0) actors.push(tl.actorOf(v.microstep));
    out.push({ id: v.id, warning, t: v.microstep + 1, index: i, actors });
  }
}

/**
 * The tracks of positions [from, to] at about one item per bucket per row, the buckets even on `axis` (micro-steps, or
 * a trace's time). Arguments must be valid (host.ts).
 */
export function tracksWindow(tl: Timeline, from: number, to: number, buckets: number, axis: BucketAxis = MICROSTEP_AXIS): TracksWindow {
  const r = tl.tracks;
  const w = (axis.of(to) - axis.of(from)) / buckets;
  const tlb = tlbLives(r, from, to);
  const found: FindingMark[] = [];
  findings(tl, tl.violations, false, from, to, buckets, axis, found);
  findings(tl, tl.warnings, true, from, to, buckets, axis, found);
  found.sort((a, b) => a.t - b.t);
  return {
    from,
    to,
    buckets,
    cpus: r.cpus.map((_, c) => cpuTrack(r, c, from, to, w, axis)),
    devices: r.devices.map((_, d) => deviceTrack(r, d, from, to, w, axis)),
    mms: r.mms.map((_, m) => refcountTrack(tl, m, from, to, w, axis)),
    ipis: ipis(r, from, to, buckets, axis),
    tlb: tlb.tlb,
    tlbTruncated: tlb.truncated,
    pages: pages(r, from, to),
    findings: found,
  };
}
