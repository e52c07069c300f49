/**
 * State invariants, evaluated after every micro-step on the objects that micro-step wrote (and, when an mm is freed,
 * on everything that still refers to it). A violation is reported when it starts; it is reported again only after it
 * had stopped and starts anew.
 *
 *   I1   mm_users > 0 => mm_count >= 1
 *   I3   no task's active_mm (and no rq->prev_mm) names a freed mm
 *   I4   a CPU's hardware mm is init_mm or an mm whose pgd is not freed; x86 loaded_mm is LOADED_MM_SWITCHING only
 *        with interrupts off
 *   I5   x86 local state: lazy => a user mm loaded; a running user task (switch complete) has its mm loaded, not lazy;
 *        a kthread has init_mm or its active_mm loaded; the loaded slot matches; slots are unique
 *   I6   x86: no slot is ahead of its mm's tlb_gen
 *   I10a x86: loaded_mm is in mm_cpumask (this is also I5(b))
 *   I10c powerpc: a loaded PID's CPU is in mm_cpumask, and active_cpus counts the mask
 *   I13  secondary MMUs: entries agree with the page table unless an invalidation is in progress (a; that the page
 *        stays allocated meanwhile is judged when it is freed, invariants/at_free.ts); never a new PTE while the
 *        device has the old one (b); no SPTE inside an open range (c); nothing after ->release (d)
 *   I14  an IPI handler never runs between a task's mm/active_mm update and the hardware switch (checked on delivery)
 */
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, LOADED_MM_SWITCHING, NONE, type CpuId, type Device, type Mm, type MmId, type PageId, type Pte, type TaskId } from '../model/types.ts';
import { radixEmpty, rdiff, rget, rhas, type RadixMap } from '../model/radix.ts';
import { tlbDiff, tlbEach, tlbLeaf, tlbLeavesIn, tlbStats, type Tlb, type TlbCached } from '../model/tlb.ts';
import { hex } from '../kernel/tlb_hw.ts';

/** Check kinds, for the numeric keys of standing violations (kind * KEY_SPAN + subject). */
const enum K { I3t, I3rq, I4, I10c, I4s, I5a, I10a, I5c, I5d, I5e, I5f, I6, I1, I10cm, I13a, I13b, I13c, I13d }
const KEY_SPAN = 1 << 20;
/** No active_mm recorded yet (below every mm id, NONE and LOADED_MM_SWITCHING included). */
const NO_MM = -1000;

export class StateChecker {
  /** Keys of the violations currently standing, so each is reported once when it starts. */
  private standing: Set<number>;
  /** x86 ctx_id -> mm, for the mms seen so far (a ctx_id is given once, at mm creation, and never changes). */
  private ctxToMm: Map<number, MmId>;
  private ctxSeen: number;
  /**
   * Per task, the active_mm last seen; per mm, the tasks whose active_mm it is. Kept up to date from the dirty tasks
   * of every micro-step, so that the free of an mm re-checks the tasks pointing at it without a pass over every task
   * (tasks are never removed: a scan would grow with the run).
   */
  private activeOf: Int32Array;
  private activeSeen: number;
  private byActive: Map<MmId, Set<TaskId>>;

  /**
   * Whether the four collections above are shared with a clone (or the original): each side copies them before its
   * first write (`own`). The explorer clones one checker per move and most moves write none of them.
   */
  private shared: boolean;

  /** Empty, or a copy of `from` sharing its collections (built once rather than built empty and replaced). */
  constructor(from?: StateChecker) {
    this.standing = from ? from.standing : new Set();
    this.ctxToMm = from ? from.ctxToMm : new Map();
    this.ctxSeen = from ? from.ctxSeen : 0;
    this.activeOf = from ? from.activeOf : new Int32Array(16);
    this.activeSeen = from ? from.activeSeen : 0;
    this.byActive = from ? from.byActive : new Map();
    this.shared = !!from;
  }

  /** A copy for another branch of an exploration: what it judges next depends on all of this. */
  clone(): StateChecker {
    this.shared = true;
    return new StateChecker(this);
  }

  /** Before a write to the collections: copy them if they are shared. */
  private own(): void {
    if (!this.shared) return;
    this.shared = false;
    this.standing = new Set(this.standing);
    this.ctxToMm = new Map(this.ctxToMm);
    this.activeOf = this.activeOf.slice();
    const byActive = new Map<MmId, Set<TaskId>>();
    for (const [mm, set] of this.byActive) byActive.set(mm, new Set(set));
    this.byActive = byActive;
  }

  /** Whether any violation stands now. */
  anyStanding(): boolean {
    return this.standing.size > 0;
  }

  /**
   * The violations standing now, as sorted keys: the part of this checker that is not derived from the state (the
   * active_mm index and the ctx_id map are caches of it) and so must be hashed with it.
   */
  standingKeys(): number[] {
    if (this.standing.size === 0) return []; // the explorer asks at every state: most have none
    return [...this.standing].sort((a, b) => a - b);
  }

  private setActive(t: TaskId, mm: MmId): void {
    const was = this.activeOf[t];
    if (was === mm) return;
    this.own();
    this.byActive.get(was)?.delete(t);
    this.activeOf[t] = mm;
    let set = this.byActive.get(mm);
    if (!set) this.byActive.set(mm, (set = new Set()));
    set.add(t);
  }

  private syncActive(k: Kernel): void {
    const tasks = k.s.tasks;
    if (tasks.length > this.activeSeen) {
      this.own();
      if (tasks.length > this.activeOf.length) {
        const a = new Int32Array(tasks.length * 2);
        a.set(this.activeOf);
        this.activeOf = a;
      }
      for (; this.activeSeen < tasks.length; this.activeSeen++) {
        this.activeOf[this.activeSeen] = NO_MM;
        this.setActive(this.activeSeen, tasks[this.activeSeen].active_mm);
      }
    }
    const { dirtyTasks } = k;
    for (let i = 0; i < dirtyTasks.n; i++) this.setActive(dirtyTasks.ids[i], tasks[dirtyTasks.ids[i]].active_mm);
  }

  /**
   * True when a violation of this kind on this subject starts now (it was not standing). The hot path: a check that
   * holds allocates nothing, the report's arguments are only built after `&&`.
   */
  private starts(kind: K, subject: number, bad: boolean): boolean {
    const key = kind * KEY_SPAN + subject;
    if (!bad) {
      if (this.standing.size && this.standing.has(key)) {
        this.own();
        this.standing.delete(key);
      }
      return false;
    }
    if (this.standing.has(key)) return false;
    this.own();
    this.standing.add(key);
    return true;
  }

  afterMicrostep(k: Kernel): void {
    const { dirtyCpus, dirtyTasks, dirtyMms } = k;
    this.syncActive(k);
    for (let i = 0; i < dirtyCpus.n; i++) this.checkCpu(k, dirtyCpus.ids[i]);
    for (let i = 0; i < dirtyTasks.n; i++) this.checkTask(k, dirtyTasks.ids[i]);
    for (let i = 0; i < dirtyMms.n; i++) this.checkMm(k, dirtyMms.ids[i]);
    if ((dirtyMms.n || k.deviceTouched) && k.s.devices.length) this.checkDevices(k);
  }

  checkTask(k: Kernel, t: TaskId): void {
    const task = k.s.tasks[t];
    const am = task.active_mm;
    const bad = am > INIT_MM && k.s.mms[am].state === 'freed';
    if (this.starts(K.I3t, t, bad)) k.violation('I3', task.cpu >= 0 ? [task.cpu] : [], [task.name, bad ? k.mmName(am) : ''], `${task.name}'s active_mm points at ${k.mmName(am)}, which has been freed (dangling active_mm)`);
  }

  checkCpu(k: Kernel, c: CpuId): void {
    const s = k.s;
    const cpu = s.cpus[c];
    const pm = cpu.prev_mm;
    const badPrev = pm > INIT_MM && s.mms[pm].state === 'freed';
    if (this.starts(K.I3rq, c, badPrev)) k.violation('I3', [c], [badPrev ? k.mmName(pm) : ''], `rq->prev_mm of CPU${c} points at ${k.mmName(pm)}, which has been freed`);
    const hw = cpu.loaded_mm;
    const badHw = hw > INIT_MM && (s.mms[hw].state === 'freed' || (s.mms[hw].pgd >= 0 && s.pages[s.mms[hw].pgd].freed));
    if (this.starts(K.I4, c, badHw)) k.violation('I4', [c], [badHw ? k.mmName(hw) : ''], `CPU${c}'s hardware still has ${k.mmName(hw)} attached, whose page tables have been freed`);
    if (k.arch.invariants?.cpuTlbstate) this.checkX86(k, c);
    if (k.arch.invariants?.activeCpus) {
      const bad = hw > INIT_MM && !s.mms[hw].cpumask[c] && s.mms[hw].state !== 'freed';
      if (this.starts(K.I10c, c, bad)) k.violation('I10c', [c], [bad ? k.mmName(hw) : ''], `CPU${c} has the PID of ${k.mmName(hw)} loaded but is not in its mm_cpumask: later flushes will miss it`);
    }
  }

  private checkX86(k: Kernel, c: CpuId): void {
    const s = k.s;
    const cpu = s.cpus[c];
    const hw = cpu.loaded_mm;
    if (this.starts(K.I4s, c, hw === LOADED_MM_SWITCHING && cpu.irqs_off === 0)) k.violation('I4', [c], [], `CPU${c}'s loaded_mm is LOADED_MM_SWITCHING with interrupts on`);
    if (this.starts(K.I5a, c, cpu.is_lazy && hw === INIT_MM)) k.violation('I5', [c], [], `CPU${c} is_lazy with init_mm loaded`);
    const inMask = hw <= INIT_MM || s.mms[hw].state === 'freed' || s.mms[hw].cpumask[c];
    if (this.starts(K.I10a, c, !inMask)) k.violation('I10a', [c], [k.mmName(hw)], `CPU${c} has ${k.mmName(hw)} loaded but is not in its mm_cpumask: flushes will not reach it`);
    if (cpu.stack.length === 0 && hw !== LOADED_MM_SWITCHING) {
      const t = s.tasks[cpu.curr];
      const badC = t.mm !== NONE && (hw !== t.mm || cpu.is_lazy);
      if (this.starts(K.I5c, c, badC)) k.violation('I5', [c], [t.name], `${t.name} runs on CPU${c} with mm ${k.mmName(t.mm)} but loaded_mm is ${k.mmName(hw)}${cpu.is_lazy ? ' (lazy)' : ''}`);
      const badD = t.mm === NONE && hw !== INIT_MM && hw !== t.active_mm;
      if (this.starts(K.I5d, c, badD)) k.violation('I5', [c], [t.name], `kthread ${t.name} on CPU${c} has active_mm ${k.mmName(t.active_mm)} but loaded_mm ${k.mmName(hw)}`);
    }
    if (hw >= INIT_MM) {
      // A tag beyond the slots is a global ASID (x86 INVLPGB): it must be the mm's own.
      const slot = cpu.ctxs[cpu.tag];
      const badE = cpu.tag >= cpu.ctxs.length ? s.mms[hw].global_asid !== cpu.tag : !slot || slot.ctx_id !== s.mms[hw].ctx_id;
      if (this.starts(K.I5e, c, badE)) k.violation('I5', [c], [k.mmName(hw)], `CPU${c}'s loaded ASID slot ${cpu.tag} does not belong to ${k.mmName(hw)}`);
    }
    // Slots are only written while they are the loaded one (choose_new_asid / flush_tlb_func), and an mm's tlb_gen
    // never goes down: checking the loaded slot against the others is complete.
    const a = cpu.tag;
    const x = cpu.ctxs[a];
    if (!x || !x.ctx_id || hw === LOADED_MM_SWITCHING) return;
    let dup = false;
    for (let b = 0; b < cpu.ctxs.length; b++) if (b !== a && cpu.ctxs[b].ctx_id === x.ctx_id) dup = true;
    const mm = this.mmOfCtx(k, x.ctx_id);
    const ahead = mm >= 0 && x.tlb_gen > s.mms[mm].tlb_gen;
    if (this.starts(K.I5f, c, dup)) k.violation('I5', [c], [], `CPU${c} has two ASID slots for the same ctx_id ${x.ctx_id}`);
    if (this.starts(K.I6, c, ahead)) k.violation('I6', [c], [k.mmName(mm)], `CPU${c}: ASID slot ${a} of ${k.mmName(mm)} is at tlb_gen ${x.tlb_gen}, ahead of the mm's ${s.mms[mm].tlb_gen}`);
  }

  private mmOfCtx(k: Kernel, ctx: number): MmId {
    const mms = k.s.mms;
    if (this.ctxSeen < mms.length) this.own();
    for (; this.ctxSeen < mms.length; this.ctxSeen++) this.ctxToMm.set(mms[this.ctxSeen].ctx_id, this.ctxSeen);
    return this.ctxToMm.get(ctx) ?? -1;
  }

  checkMm(k: Kernel, mm: MmId): void {
    const s = k.s;
    const m = s.mms[mm];
    if (this.starts(K.I1, mm, m.mm_users > 0 && m.mm_count < 1)) k.violation('I1', [], [m.name], `${m.name} has mm_users ${m.mm_users} but mm_count ${m.mm_count}`);
    if (m.state === 'freed') {
      // Everything that still refers to it is now dangling.
      const pointing = [...(this.byActive.get(mm) ?? [])].sort((a, b) => a - b);
      for (const t of pointing) this.checkTask(k, t);
      for (const cpu of s.cpus) if (cpu.prev_mm === mm || cpu.loaded_mm === mm) this.checkCpu(k, cpu.id);
    }
    if (k.arch.invariants?.activeCpus && mm !== INIT_MM) {
      // active_cpus counts the mask, plus one while coprocessors are attached (mm_context_add_copro)
      let n = m.copros > 0 ? 1 : 0;
      for (const b of m.cpumask) if (b) n++;
      if (this.starts(K.I10cm, mm, n !== m.active_cpus)) k.violation('I10c', [], [m.name], `${m.name}: active_cpus is ${m.active_cpus} but mm_cpumask has ${n - (m.copros > 0 ? 1 : 0)} CPUs${m.copros ? ' and coprocessors are attached' : ''}`);
      for (const cpu of s.cpus) if (cpu.loaded_mm === mm) this.checkCpu(k, cpu.id);
    }
  }

  /** Per device, what its I13 checks last saw (see checkDevices). */
  private devSeen: DeviceSeen[] = [];

  /**
   * I13 a-d per device, kept incrementally: each IOTLB entry's standing (a: no PTE and no invalidation pending, b: the
   * PTE maps another page, c: inside an open range) is re-judged only when something it depends on changed. A new
   * IOTLB (a persistent value, model/tlb.ts) judges the entries filed since the last look and forgets those removed
   * (tlbDiff: the cost of what changed); a new inflight list re-checks the entries standing in c and those inside the
   * ranges opened since; a change of the mm's PTEs or pending secondary invalidations re-judges the entries at the
   * addresses that changed (radix diffs cost what changed); nothing relevant changed (an mm write of refcounts, say):
   * nothing to do. The message names the last offending entry in IOTLB (fill) order, as a pass over the list did.
   */
  private checkDevices(k: Kernel): void {
    const s = k.s;
    for (const dev of s.devices) {
      const m = s.mms[dev.mm];
      const seen = (this.devSeen[dev.id] ??= new DeviceSeen());
      const mmChanged = m.pte !== seen.pte || m.sec_unflushed !== seen.sec;
      if (!seen.tlb) seen.build(dev, m);
      else if (dev.tlb !== seen.tlb || dev.inflight !== seen.inflight || mmChanged) {
        if (dev.inflight !== seen.inflight) seen.ranges(dev);
        if (dev.tlb !== seen.tlb) seen.entries(dev, m);
        if (mmChanged) seen.update(m);
      } else continue;
      const { a, b, c } = seen;
      if (this.starts(K.I13a, dev.id, a.size > 0)) {
        const e = last(a);
        k.violation('I13a', [], [dev.name], `${dev.name} caches ${hex(e.va)} -> ${k.pageName(e.page)} with no PTE behind it and no invalidation in progress`);
      }
      if (this.starts(K.I13b, dev.id, b.size > 0)) {
        const e = last(b);
        k.violation('I13b', [], [dev.name], `${hex(e.va)}: the CPU page table maps ${k.pageName(rget(m.pte, e.va)!.page)} but ${dev.name} still uses ${k.pageName(e.page)} (device and CPU disagree)`);
      }
      if (this.starts(K.I13c, dev.id, c.size > 0)) k.violation('I13c', [], [dev.name], `${dev.name} has an SPTE for ${hex(last(c).va)} inside an open invalidate_range_start`);
      if (this.starts(K.I13d, dev.id, dev.released && dev.tlb.n > 0)) k.violation('I13d', [], [dev.name], `${dev.name} keeps entries after ->release`);
    }
  }
}

/** Up to this many IOTLB entries, a PTE change re-judges them all (a bounded cost) rather than diffing the maps. */
const SMALL_IOTLB = 64;

/** Entries judged, counted with the TLB work (model/tlb.ts tlbStats) for the tests that bound it. */
const count = (n: number) => {
  if (tlbStats.counting) tlbStats.visited += n;
};

const inside = (va: number, ranges: ReadonlyArray<readonly [number, number]>) => ranges.some((r) => va >= r[0] && va < r[1]);

/** The entry of the set that comes last in the IOTLB (fill order). */
function last(set: Set<TlbCached>): TlbCached {
  let best: TlbCached | null = null;
  for (const e of set) if (!best || e.seq > best.seq) best = e;
  return best!;
}

/** What checkDevices last judged for one device: the inputs, and the IOTLB entries standing in each I13 case. */
class DeviceSeen {
  /** The IOTLB last judged (null: never looked at). */
  tlb: Tlb | null = null;
  inflight: ReadonlyArray<[number, number]> = [];
  pte: RadixMap<Pte> = radixEmpty();
  sec: RadixMap<PageId> = radixEmpty();
  a = new Set<TlbCached>();
  b = new Set<TlbCached>();
  c = new Set<TlbCached>();

  /** The first look: every entry judged (once per checker and device). */
  build(dev: Device, m: Mm): void {
    this.tlb = dev.tlb;
    this.inflight = dev.inflight;
    this.pte = m.pte;
    this.sec = m.sec_unflushed;
    tlbEach(dev.tlb, (e) => {
      this.judge(e, m);
      if (inside(e.va, dev.inflight)) this.c.add(e);
    });
  }

  /** The open ranges changed (judged on the IOTLB last seen): entries standing in c, and those in the new ranges. */
  ranges(dev: Device): void {
    const was = new Set(this.inflight);
    this.inflight = dev.inflight;
    count(this.c.size);
    for (const e of this.c) if (!inside(e.va, dev.inflight)) this.c.delete(e);
    for (const r of dev.inflight) if (!was.has(r)) tlbLeavesIn(this.tlb!, 0, r[0], r[1], (e) => this.c.add(e));
  }

  /** The IOTLB changed: entries removed are forgotten, entries filed are judged (what the two versions do not share). */
  entries(dev: Device, m: Mm): void {
    tlbDiff(
      this.tlb!,
      dev.tlb,
      (e) => {
        this.a.delete(e);
        this.b.delete(e);
        this.c.delete(e);
      },
      (e) => {
        this.judge(e, m);
        if (inside(e.va, this.inflight)) this.c.add(e);
      },
    );
    this.tlb = dev.tlb;
  }

  /**
   * The PTEs or pending invalidations changed: re-judge the entries at the addresses that changed (a small IOTLB, the
   * usual case, is re-judged whole: cheaper than diffing two versions of the maps).
   */
  update(m: Mm): void {
    const t = this.tlb!;
    if (t.n <= SMALL_IOTLB) {
      tlbEach(t, (e) => this.judge(e, m));
      this.pte = m.pte;
      this.sec = m.sec_unflushed;
      return;
    }
    const again = (va: number) => {
      const e = tlbLeaf(t, 0, va);
      if (e) this.judge(e, m);
    };
    if (m.pte !== this.pte) {
      rdiff(this.pte, m.pte, again);
      rdiff(m.pte, this.pte, again);
      this.pte = m.pte;
    }
    if (m.sec_unflushed !== this.sec) {
      rdiff(this.sec, m.sec_unflushed, again);
      rdiff(m.sec_unflushed, this.sec, again);
      this.sec = m.sec_unflushed;
    }
  }

  private judge(e: TlbCached, m: Mm): void {
    count(1);
    const pte = rget(m.pte, e.va);
    const b = !!pte && pte.page !== e.page;
    const a = !pte && !rhas(m.sec_unflushed, e.va);
    if (a) this.a.add(e);
    else this.a.delete(e);
    if (b) this.b.add(e);
    else this.b.delete(e);
  }
}

/** I14, on delivery of an IPI: the handler must not see a half-done mm switch. */
export function checkIpiDelivery(k: Kernel, c: CpuId, kind: string): void {
  const cpu = k.s.cpus[c];
  if (!cpu.mid_switch) return;
  const t = k.s.tasks[cpu.curr];
  // The ghost is cleared when the switching code is done (use_mm's task_unlock); from the hardware switch on (the old
  // use_mm turns interrupts back on in between) the handler sees task and hardware agree: nothing half-done.
  if (cpu.loaded_mm === t.active_mm) return;
  k.violation('I14', [c], [t.name], `IPI ${kind.split('@')[0]} runs on CPU${c} while ${t.name}'s mm/active_mm (${k.mmName(t.active_mm)}) are set but the hardware still has ${k.mmName(cpu.loaded_mm)}`);
}
