/**
 * The tracks recorder: what the UI draws over time (protocol/tracks.ts), recorded by the timeline's one recording run
 * (never by the replays that seeking does), compactly, as change points in typed arrays.
 *
 * Time: an event of micro-step i is stamped t = i + 1 (the position whose state first shows it); t = 0 is the initial
 * state. The timeline calls `afterMicrostep(k, t)` after every recorded micro-step with the kernel's dirty sets of
 * that micro-step, so the hot path only looks at what that micro-step wrote, and only a real change is stored.
 *
 * TLB and walk-cache entries: the model replaces a TLB array whenever it changes (model/clone.ts), keeping the entry
 * objects it keeps and their order (filter) or appending (concat); a changed array is diffed by identity against the
 * last one seen. An entry's life goes wrong when the PTE (leaf) or the page-table pointer (walk) of its mm and address
 * changes away from its page (`stale`: found by diffing an mm's replaced pte / pt maps with model/radix.ts `rdiff`,
 * which looks only at the tables the two versions do not share, so the cost is that of the change), when its page is
 * freed (`freed`), or when the frame is handed out again (`reused`): the first time of each is kept.
 */
import { EraNames, TODAY } from '../engine/era.ts';
import type { Kernel } from '../engine/kernel.ts';
import { isLazy } from '../model/lazy.ts';
import type { Cpu, MmState, PageId, Pte, SimState } from '../model/types.ts';
import { rdiff, rget, type RadixMap } from '../model/radix.ts';
import { tlbDiff, tlbEmpty, type Tlb, type TlbCached } from '../model/tlb.ts';
import type { TlbStatus } from '../protocol/tracks.ts';

/**
 * The first n values of a grown typed array, for the end of a run. A small one is copied to its size; a big one is
 * kept, as a view (its unused capacity, at most half, stays allocated): allocating a copy of tens of megabytes makes
 * V8 run a full collection of the whole heap, one per array, seconds at the end of a run of millions of steps.
 */
export function trimmed<T extends Int32Array | Uint32Array>(a: T, n: number): T {
  if (a.length === n) return a;
  return (a.length >= 1 << 20 ? a.subarray(0, n) : a.slice(0, n)) as T;
}

/** A growable Int32Array. */
export class I32s {
  a: Int32Array;
  n = 0;
  constructor(cap = 16) {
    this.a = new Int32Array(cap);
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
  trim(): void {
    this.a = trimmed(this.a, Math.max(1, this.n));
  }
}

/** First index in a[0..n) whose value is > x (a ascending). */
export function upperBound(a: ArrayLike<number>, n: number, x: number, lo = 0): number {
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in a[0..n) whose value is >= x (a ascending). */
export function lowerBound(a: ArrayLike<number>, n: number, x: number, lo = 0): number {
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The change points of one row: ascending times, one value (and for two-valued rows a second one) per change. */
export class Log {
  t: Uint32Array;
  v: Int32Array;
  w: Int32Array | null;
  n = 0;
  constructor(two = false, cap = 8) {
    this.t = new Uint32Array(cap);
    this.v = new Int32Array(cap);
    this.w = two ? new Int32Array(cap) : null;
  }
  /** Record (t, v, w) if it differs from the last value. */
  set(t: number, v: number, w = 0): void {
    const n = this.n;
    if (n > 0 && this.v[n - 1] === v && (!this.w || this.w[n - 1] === w)) return;
    if (n > 0 && this.t[n - 1] === t) {
      this.v[n - 1] = v;
      if (this.w) this.w[n - 1] = w;
      return;
    }
    if (n === this.t.length) {
      const c = n * 2;
      const t2 = new Uint32Array(c);
      t2.set(this.t);
      this.t = t2;
      const v2 = new Int32Array(c);
      v2.set(this.v);
      this.v = v2;
      if (this.w) {
        const w2 = new Int32Array(c);
        w2.set(this.w);
        this.w = w2;
      }
    }
    this.t[n] = t;
    this.v[n] = v;
    if (this.w) this.w[n] = w;
    this.n = n + 1;
  }
  /** Index of the change holding at t (the last one at or before t); -1 before the first. */
  at(t: number): number {
    return upperBound(this.t, this.n, t) - 1;
  }
  trim(): void {
    if (this.t.length === this.n) return;
    this.t = trimmed(this.t, this.n);
    this.v = trimmed(this.v, this.n);
    if (this.w) this.w = trimmed(this.w, this.n);
  }
}

export interface CpuRows {
  curr: Log;
  activeMm: Log;
  /** v: loaded mm, w: tag. */
  loaded: Log;
  lazy: Log;
  irqsOff: Log;
  /** -1: no kernel code; else fnId * 2 + (1 inside an interrupt handler). */
  inFlight: Log;
}

export const LIFE_WALK = 1;
export const LIFE_WRITE = 2;
export const LIFE_SPECULATIVE = 4;
const WRONG: Array<Exclude<TlbStatus, 'current'>> = ['stale', 'freed', 'reused'];

/** TLB entry lives, one row per life, struct of arrays. Times -1: not (yet). Ordered by `filled`. */
export class Lives {
  actor = new I32s(256);
  va = new I32s(256);
  page = new I32s(256);
  tag = new I32s(256);
  mm = new I32s(256);
  flags = new I32s(256);
  filled = new I32s(256);
  invalidated = new I32s(256);
  /** When it became stale, freed, reused (index = position in WRONG). */
  wrongAt = [new I32s(256), new I32s(256), new I32s(256)];
  get n(): number {
    return this.actor.n;
  }
  /** The first time it went wrong and why, or null. */
  wrong(id: number): { t: number; why: Exclude<TlbStatus, 'current'> } | null {
    let best: { t: number; why: Exclude<TlbStatus, 'current'> } | null = null;
    for (let k = 0; k < 3; k++) {
      const t = this.wrongAt[k].a[id];
      if (t >= 0 && (!best || t < best.t)) best = { t, why: WRONG[k] };
    }
    return best;
  }
  trim(): void {
    for (const a of [this.actor, this.va, this.page, this.tag, this.mm, this.flags, this.filled, this.invalidated, ...this.wrongAt]) a.trim();
  }
}

/** Status of a cached translation against the state: reused > freed > stale > current (the worst reason wins). */
export function tlbStatus(s: Readonly<Pick<SimState, 'pages' | 'mms'>>, mm: number, va: number, page: PageId, walk: boolean, gen: number): TlbStatus {
  const pg = s.pages[page];
  if (pg.reused !== gen) return 'reused';
  if (pg.freed) return 'freed';
  const m = mm >= 0 ? s.mms[mm] : undefined;
  if (!m || m.state === 'freed') return 'stale';
  if (walk ? rget(m.pt, va) !== page : rget(m.pte, va)?.page !== page) return 'stale';
  return 'current';
}

/** The life ids of an actor's live entries, in TLB order. */
const lifeIds = (ids: Map<TlbCached, number>): Iterable<number> => ids.values();

/** Checkpoints of the live entries every CK_EVERY positions, so "what is cached at t" needs no scan from 0. */
const CK_EVERY = 4096;
/** IPIs taking longer than this from send to done are kept on a side list (queries look back this far only). */
export const IPI_LONG = 1024;

export class TracksRecorder {
  readonly ncpus: number;
  readonly cpus: CpuRows[];
  /** Per device: bound mm (-1 after release), and the number of IOTLB entries. */
  readonly devices: Array<{ mm: Log; entries: Log }>;
  /** Per mm: v mm_users, w mm_count; absent before the mm exists. */
  readonly mms: Log[] = [];
  readonly teardown: number[] = [];
  readonly freed: number[] = [];
  private mmState: MmState[] = [];
  private prevPte: Array<RadixMap<Pte>> = [];
  private prevPt: Array<RadixMap<PageId>> = [];
  /** Shown names of kernel functions in flight (ids of the inFlight rows). */
  readonly fnNames: string[] = [];
  private fnIds = new Map<string, number>();
  // IPIs, one row per (send, target), in send order
  readonly ipi = { id: new I32s(), kind: new I32s(), from: new I32s(), to: new I32s(), sent: new I32s(), delivered: new I32s(), done: new I32s() };
  readonly kindNames: string[] = [];
  private kindIds = new Map<string, number>();
  private openIpis = new Map<number, number>();
  /** IPI rows that took longer than IPI_LONG, or never finished (filled by `finish`). */
  readonly longIpis: number[] = [];
  // TLB lives
  readonly lives = new Lives();
  /**
   * Per actor (CPU c, then device ncpus + d): the TLB (or IOTLB) last seen and the life id of each of its entries, in a
   * Map by entry, in fill order.
   */
  private seen: Tlb[];
  private seenIds: Array<Map<TlbCached, number>>;
  /** Live life ids by page. */
  private byPage: number[][] = [];
  readonly ckT: number[] = [];
  readonly ckOff: number[] = [];
  readonly ckIds = new I32s(1024);
  private nextCk = 0;
  // page events
  readonly pageEv = { t: new I32s(), page: new I32s(), reused: new I32s() };
  readonly pageOwner: string[] = [];

  constructor(s: Readonly<SimState>, private readonly era: EraNames = new EraNames(TODAY)) {
    this.ncpus = s.cpus.length;
    this.cpuSeen = new Int32Array(this.ncpus).fill(-1);
    this.last = new Int32Array(this.ncpus * 7).fill(-2);
    this.lastTop = new Array(this.ncpus).fill(null);
    this.lastFly = new Int32Array(this.ncpus);
    this.cpus = s.cpus.map(() => ({ curr: new Log(), activeMm: new Log(), loaded: new Log(true), lazy: new Log(), irqsOff: new Log(), inFlight: new Log() }));
    this.devices = s.devices.map(() => ({ mm: new Log(), entries: new Log() }));
    const actors = this.ncpus + s.devices.length;
    this.seen = Array.from({ length: actors }, () => tlbEmpty());
    this.seenIds = Array.from({ length: actors }, () => new Map<TlbCached, number>());
    for (let c = 0; c < this.ncpus; c++) this.cpu(s, c, 0);
    for (let d = 0; d < s.devices.length; d++) this.device(s, d, 0);
    this.addMms(s, 0);
    this.checkpoint(0);
  }

  /** After every recorded micro-step (t = its index + 1), with the kernel's dirty sets of that micro-step. */
  /** When each task died (do_exit's do_task_dead): the position t at which its state became dead. */
  readonly diedAt = new Map<number, number>();

  afterMicrostep(k: Kernel, t: number): void {
    const s = k.s;
    const dc = k.dirtyCpus;
    for (let i = 0; i < dc.n; i++) this.cpu(s, dc.ids[i], t);
    const dt = k.dirtyTasks;
    for (let i = 0; i < dt.n; i++) {
      // A task written by this micro-step changes a CPU's rows only if it is that CPU's curr (active_mm, lazy).
      const task = s.tasks[dt.ids[i]];
      if (task.state === 'dead' && !this.diedAt.has(task.id)) this.diedAt.set(task.id, t);
      const c = task.cpu;
      if (c >= 0 && this.cpuSeen[c] !== t && s.cpus[c].curr === task.id) this.cpu(s, c, t);
    }
    if (s.mms.length > this.mms.length) this.addMms(s, t);
    const dm = k.dirtyMms;
    for (let i = 0; i < dm.n; i++) this.mm(s, dm.ids[i], t);
    if (k.deviceTouched) for (let d = 0; d < s.devices.length; d++) this.device(s, d, t);
    if (t >= this.nextCk) this.checkpoint(t);
  }

  private fnId(fn: string): number {
    let id = this.fnIds.get(fn);
    if (id === undefined) {
      const shown = this.era.fn(fn);
      id = this.fnNames.indexOf(shown);
      if (id < 0) id = this.fnNames.push(shown) - 1;
      this.fnIds.set(fn, id);
    }
    return id;
  }

  private inFlightOf(c: number, cpu: Cpu): number {
    const st = cpu.stack;
    if (st.length === 0) return -1;
    // A frame's function never changes and the frames under it only change once it is popped: same top, same value.
    const top = st[st.length - 1];
    if (top === this.lastTop[c]) return this.lastFly[c];
    let irq = 0;
    for (let i = st.length - 1; i >= 0; i--) if (st[i].irq) { irq = 1; break; }
    this.lastTop[c] = top;
    return (this.lastFly[c] = this.fnId(top.fn) * 2 + irq);
  }

  /** The position each CPU's rows were last brought up to date at. */
  private cpuSeen: Int32Array;
  /** Per CPU, the values last recorded (curr, active_mm, loaded_mm, tag, lazy, irqs off, in flight): the fast check. */
  private last: Int32Array;
  private lastTop: Array<object | null>;
  private lastFly: Int32Array;

  private cpu(s: Readonly<SimState>, c: number, t: number): void {
    this.cpuSeen[c] = t;
    const cpu = s.cpus[c];
    const task = s.tasks[cpu.curr];
    const lazy = isLazy(s, c) ? 1 : 0;
    const irqs = cpu.irqs_off > 0 ? 1 : 0;
    const fly = this.inFlightOf(c, cpu);
    const L = this.last;
    const o = c * 7;
    const r = this.cpus[c];
    if (L[o + 6] !== fly) r.inFlight.set(t, (L[o + 6] = fly));
    if (L[o] !== cpu.curr) r.curr.set(t, (L[o] = cpu.curr));
    if (L[o + 1] !== task.active_mm) r.activeMm.set(t, (L[o + 1] = task.active_mm));
    if (L[o + 2] !== cpu.loaded_mm || L[o + 3] !== cpu.tag) r.loaded.set(t, (L[o + 2] = cpu.loaded_mm), (L[o + 3] = cpu.tag));
    if (L[o + 4] !== lazy) r.lazy.set(t, (L[o + 4] = lazy));
    if (L[o + 5] !== irqs) r.irqsOff.set(t, (L[o + 5] = irqs));
    if (cpu.tlb !== this.seen[c]) this.diffTlb(s, c, cpu.tlb, t, -1);
  }

  /**
   * Actor's TLB (or IOTLB: devMm >= 0) became nu. Only what the two versions do not share is looked at (model/tlb.ts):
   * the cost of what changed.
   */
  private diffTlb(s: Readonly<SimState>, actor: number, nu: Tlb, t: number, devMm: number): void {
    const ids = this.seenIds[actor];
    tlbDiff(
      this.seen[actor],
      nu,
      (e) => {
        this.end(ids.get(e)!, t);
        ids.delete(e);
      },
      (e) => ids.set(e, this.fill(s, actor, e, t, devMm)),
    );
    this.seen[actor] = nu;
  }

  private device(s: Readonly<SimState>, d: number, t: number): void {
    const dev = s.devices[d];
    const r = this.devices[d];
    r.mm.set(t, dev.released ? -1 : dev.mm);
    r.entries.set(t, dev.tlb.n);
    const a = this.ncpus + d;
    if (dev.tlb !== this.seen[a]) this.diffTlb(s, a, dev.tlb, t, dev.mm);
  }

  private addMms(s: Readonly<SimState>, t: number): void {
    for (let id = this.mms.length; id < s.mms.length; id++) {
      const m = s.mms[id];
      const log = new Log(true, 4);
      log.set(t, m.mm_users, m.mm_count);
      this.mms.push(log);
      this.teardown.push(m.state === 'live' ? -1 : t);
      this.freed.push(m.state === 'freed' ? t : -1);
      this.mmState.push(m.state);
      this.prevPte.push(m.pte);
      this.prevPt.push(m.pt);
    }
  }

  private mm(s: Readonly<SimState>, id: number, t: number): void {
    const m = s.mms[id];
    this.mms[id].set(t, m.mm_users, m.mm_count);
    if (m.state !== this.mmState[id]) {
      if (this.mmState[id] === 'live' && this.teardown[id] < 0) this.teardown[id] = t;
      if (m.state === 'freed' && this.freed[id] < 0) {
        this.freed[id] = t;
        for (const ids of this.seenIds) for (const l of lifeIds(ids)) if (this.lives.mm.a[l] === id) this.mark(l, 0, t);
      }
      this.mmState[id] = m.state;
    }
    // Only the tables the two versions do not share are looked at (model/radix.ts): the cost of what changed.
    if (m.pte !== this.prevPte[id]) {
      rdiff(this.prevPte[id], m.pte, (va, was, now) => {
        if (now?.page !== was.page) this.wrongTranslation(id, va, was.page, false, t);
      });
      this.prevPte[id] = m.pte;
    }
    if (m.pt !== this.prevPt[id]) {
      rdiff(this.prevPt[id], m.pt, (region, was) => this.wrongTranslation(id, region, was, true, t));
      this.prevPt[id] = m.pt;
    }
  }

  /** The PTE (or page-table pointer) of mm at va no longer points at `page`: entries caching it are stale. */
  private wrongTranslation(mm: number, va: number, page: PageId, walk: boolean, t: number): void {
    const ids = this.byPage[page];
    if (!ids) return;
    const L = this.lives;
    for (const id of ids) {
      if (L.mm.a[id] === mm && L.va.a[id] === va && ((L.flags.a[id] & LIFE_WALK) !== 0) === walk) this.mark(id, 0, t);
    }
  }

  /** Record that life `id` went wrong for reason `k` (index into WRONG) at t; a reason counts from its first time. */
  private mark(id: number, k: number, t: number): void {
    const w = this.lives.wrongAt;
    for (let j = k; j < 3; j++) if (w[j].a[id] >= 0) return; // as bad or worse already
    w[k].a[id] = t;
  }

  private fill(s: Readonly<SimState>, actor: number, e: TlbCached, t: number, devMm: number): number {
    const L = this.lives;
    const dev = devMm >= 0 || actor >= this.ncpus;
    const mm = dev ? devMm : e.mm;
    const walk = !dev && !!e.walk;
    const id = L.actor.push(actor);
    L.va.push(e.va);
    L.page.push(e.page);
    L.tag.push(dev ? 0 : e.tag);
    L.mm.push(mm);
    L.flags.push((walk ? LIFE_WALK : 0) | (e.write ? LIFE_WRITE : 0) | (!dev && e.speculative ? LIFE_SPECULATIVE : 0));
    L.filled.push(t);
    L.invalidated.push(-1);
    for (const w of L.wrongAt) w.push(-1);
    const st = tlbStatus(s, mm, e.va, e.page, walk, e.gen);
    if (st !== 'current') L.wrongAt[WRONG.indexOf(st)].a[id] = t;
    (this.byPage[e.page] ??= []).push(id);
    return id;
  }

  private end(id: number, t: number): void {
    this.lives.invalidated.a[id] = t;
    const list = this.byPage[this.lives.page.a[id]];
    const i = list.indexOf(id);
    list[i] = list[list.length - 1];
    list.pop();
  }

  private checkpoint(t: number): void {
    this.ckT.push(t);
    this.ckOff.push(this.ckIds.n);
    for (const ids of this.seenIds) for (const id of lifeIds(ids)) this.ckIds.push(id);
    this.nextCk = t + CK_EVERY;
  }

  // ---- events from the kernel (forwarded by the timeline while recording) ----

  ipiSent(id: number, kind: string, from: number, to: number, t: number): void {
    let k = this.kindIds.get(kind);
    if (k === undefined) {
      k = this.kindNames.push(this.era.fn(kind)) - 1;
      this.kindIds.set(kind, k);
    }
    const p = this.ipi;
    const row = p.id.push(id);
    p.kind.push(k);
    p.from.push(from);
    p.to.push(to);
    p.sent.push(t);
    p.delivered.push(-1);
    p.done.push(-1);
    this.openIpis.set(id * this.ncpus + to, row);
  }
  ipiDelivered(c: number, id: number, t: number): void {
    const row = this.openIpis.get(id * this.ncpus + c);
    if (row !== undefined) this.ipi.delivered.a[row] = t;
  }
  ipiCompleted(c: number, id: number, t: number): void {
    const key = id * this.ncpus + c;
    const row = this.openIpis.get(key);
    if (row === undefined) return;
    this.ipi.done.a[row] = t;
    this.openIpis.delete(key);
    if (t - this.ipi.sent.a[row] > IPI_LONG) this.longIpis.push(row);
  }

  pageFreed(s: Readonly<SimState>, p: PageId, t: number): void {
    this.pageEvent(s, p, t, 0);
    for (const id of this.byPage[p] ?? []) this.mark(id, 1, t);
  }
  pageReused(s: Readonly<SimState>, p: PageId, t: number): void {
    this.pageEvent(s, p, t, 1);
    for (const id of this.byPage[p] ?? []) this.mark(id, 2, t);
  }
  private pageEvent(s: Readonly<SimState>, p: PageId, t: number, reused: number): void {
    this.pageEv.t.push(t);
    this.pageEv.page.push(p);
    this.pageEv.reused.push(reused);
    this.pageOwner.push(s.pages[p].owner);
  }

  // ---- end of the run ----

  /** The run is over: trim the arrays, and keep IPIs that never finished on the long list. */
  finish(): void {
    for (const row of this.openIpis.values()) this.longIpis.push(row);
    this.longIpis.sort((a, b) => a - b);
    this.openIpis.clear();
    this.ckOff.push(this.ckIds.n);
    for (const r of this.cpus) for (const log of Object.values(r)) (log as Log).trim();
    for (const r of this.devices) {
      r.mm.trim();
      r.entries.trim();
    }
    for (const log of this.mms) log.trim();
    for (const a of Object.values(this.ipi)) a.trim();
    for (const a of Object.values(this.pageEv)) a.trim();
    this.lives.trim();
    this.ckIds.trim();
    this.byPage = [];
    this.seen = [];
    this.seenIds = [];
    this.prevPte = [];
    this.prevPt = [];
  }

  /** Bytes the recorded tracks hold (typed arrays by size; JS arrays at 8 bytes an element), for the benchmark. */
  retainedBytes(): number {
    let b = 0;
    const typed = (x: { buffer: ArrayBufferLike } | null) => (b += x ? x.buffer.byteLength : 0);
    for (const r of this.cpus) for (const log of Object.values(r) as Log[]) [log.t, log.v, log.w].forEach(typed);
    for (const r of this.devices) for (const log of [r.mm, r.entries]) [log.t, log.v, log.w].forEach(typed);
    for (const log of this.mms) [log.t, log.v, log.w].forEach(typed);
    for (const a of [...Object.values(this.ipi), ...Object.values(this.pageEv), this.ckIds]) typed(a.a);
    const L = this.lives;
    for (const a of [L.actor, L.va, L.page, L.tag, L.mm, L.flags, L.filled, L.invalidated, ...L.wrongAt]) typed(a.a);
    b += 8 * (this.pageOwner.length + this.longIpis.length + this.ckT.length + this.ckOff.length + 4 * this.mms.length);
    return b;
  }

  /** Life ids cached at position t (filled at or before t, invalidated after t or never), any actor. */
  aliveAt(t: number): number[] {
    const L = this.lives;
    const k = upperBound(this.ckT, this.ckT.length, t) - 1;
    const out: number[] = [];
    const inval = L.invalidated.a;
    const end = k + 1 < this.ckOff.length ? this.ckOff[k + 1] : this.ckIds.n;
    for (let i = this.ckOff[k]; i < end; i++) {
      const id = this.ckIds.a[i];
      if (inval[id] < 0 || inval[id] > t) out.push(id);
    }
    const lo = upperBound(L.filled.a, L.n, this.ckT[k]);
    const hi = upperBound(L.filled.a, L.n, t, lo);
    for (let id = lo; id < hi; id++) if (inval[id] < 0 || inval[id] > t) out.push(id);
    return out;
  }
}
