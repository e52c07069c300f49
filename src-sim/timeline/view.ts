/**
 * The view at the playhead (protocol/tracks.ts PlayheadView): the model's state at position t (stateAt(t - 1)), as
 * the UI shows it. Every value comes from that state; only when a TLB entry was filled and when its status last
 * changed come from the recorded TLB lives (tracks.ts).
 */
import { isLazy } from '../model/lazy.ts';
import type { Snapshot } from '../model/types.ts';
import { VIEW_PAGES, type AsidPair, type AsidView, type CpuView, type DeviceView, type MmView, type PageView, type PlayheadView, type TlbCell, type TlbStatus } from '../protocol/tracks.ts';
import type { Timeline } from './timeline.ts';
import { LIFE_WALK, tlbStatus, type TracksRecorder } from './tracks.ts';

const WRONG_INDEX: Record<TlbStatus, number> = { current: -1, stale: 0, freed: 1, reused: 2 };

/** Lives cached at t, by actor and what identifies an entry on it (walk, tag, va). */
function livesAt(r: TracksRecorder, t: number): Map<string, number> {
  const L = r.lives;
  const out = new Map<string, number>();
  for (const id of r.aliveAt(t)) out.set(`${L.actor.a[id]}:${L.flags.a[id] & LIFE_WALK}:${L.tag.a[id]}:${L.va.a[id]}`, id);
  return out;
}

function cell(s: Snapshot, r: TracksRecorder, lives: Map<string, number>, actor: number, e: { va: number; page: number; tag: number; mm: number; walk: boolean; write: boolean; speculative: boolean; gen: number }): TlbCell {
  const status = tlbStatus(s, e.mm, e.va, e.page, e.walk, e.gen);
  const id = lives.get(`${actor}:${e.walk ? LIFE_WALK : 0}:${e.tag}:${e.va}`);
  const L = r.lives;
  let filled = 0;
  let statusSince: number | null = null;
  if (id !== undefined && L.page.a[id] === e.page) {
    filled = L.filled.a[id];
    if (status !== 'current') {
      const at = L.wrongAt[WRONG_INDEX[status]].a[id];
      statusSince = at >= 0 ? at : (L.wrong(id)?.t ?? filled);
    }
  } else if (status !== 'current') statusSince = 0;
  return { va: e.va, page: e.page, tag: e.tag, mm: e.mm, walk: e.walk, write: e.write, speculative: e.speculative, status, filled, statusSince };
}

/** A CPU's ASID state, with a bounded ASID space (context ids split as the kernel packs them: gen << bits | ASID). */
function asidView(s: Snapshot, c: number): AsidView {
  const n = 2 ** s.config.asid_bits;
  const pair = (ctx: number): AsidPair => (ctx ? [Math.floor(ctx / n), ctx % n] : null);
  const cpu = s.cpus[c];
  return { gen: cpu.asid_gen, active: pair(cpu.active_asids), reserved: pair(cpu.reserved_asids), flushPending: !!s.asid_alloc?.tlb_flush_pending[c] };
}

/** The view at position t, 0 <= t <= N (checked by the caller). */
export function playheadView(tl: Timeline, t: number): PlayheadView {
  const s = tl.stateAt(t - 1);
  const r = tl.tracks;
  const lives = livesAt(r, t);
  const arch = tl.archPolicy;
  const era = tl.era;
  const cpus: CpuView[] = s.cpus.map((c) => ({
    cpu: c.id,
    curr: c.curr,
    activeMm: s.tasks[c.curr].active_mm,
    loaded: { mm: c.loaded_mm, tag: c.tag },
    lazy: isLazy(s, c.id),
    irqsOff: c.irqs_off,
    mode: c.mode,
    op: c.op,
    stack: c.stack.map((f) => ({ fn: era.fn(f.fn), label: era.label(f.fn, f.pc), src: era.src(f.fn), link: era.identLink(f.fn), irq: !!f.irq })),
    pendingIpis: c.ipi_queue.map((q) => ({ id: q.id, kind: era.fn(q.kind), from: q.from })),
    tlb: c.tlb.map((e) => cell(s, r, lives, c.id, e)),
    ...(s.config.asid_bits ? { asid: asidView(s, c.id) } : {}),
  }));
  const devices: DeviceView[] = s.devices.map((d) => ({
    device: d.id,
    mm: d.mm,
    released: d.released,
    tlb: d.tlb.map((e) => cell(s, r, lives, s.cpus.length + d.id, { ...e, tag: 0, mm: d.mm, walk: false, speculative: false })),
  }));
  const mms: MmView[] = s.mms.map((m) => {
    const cpumask: number[] = [];
    m.cpumask.forEach((on, c) => on && cpumask.push(c));
    const detail: Array<[string, string]> = [...(arch.mmDetail?.(m, s.config) ?? [])];
    if (m.tlb_flush_pending) detail.push(['tlb_flush_pending', String(m.tlb_flush_pending)]);
    return { mm: m.id, users: m.mm_users, count: m.mm_count, state: m.state, cpumask, detail };
  });
  const pages: PageView[] = s.pages.slice(0, VIEW_PAGES).map((p) => ({ page: p.id, kind: p.kind, freed: p.freed, reused: p.reused, owner: p.owner, refcount: p.refcount }));
  let microstep: PlayheadView['microstep'] = null;
  if (t > 0) {
    const row = tl.microstepRow(t - 1);
    microstep = { index: t - 1, actor: tl.actorOf(t - 1), fn: row.fn, label: row.label, src: row.src, link: row.link, ...(row.decisions ? { decisions: row.decisions } : {}) };
  }
  return {
    t,
    step: t > 0 ? tl.stepOf(t - 1) : 0,
    microstep,
    cpus,
    devices,
    mms,
    pages,
    pageCount: s.pages.length,
    taskNames: s.tasks.map((x) => x.name),
    mmNames: s.mms.map((x) => x.name),
    pageNames: s.pages.map((x) => x.name),
  };
}
