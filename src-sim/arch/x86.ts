/**
 * x86: arch/x86/mm/tlb.c (v6.12, with the v4.14 lazy semantics and the 6.14+ lazy mm_cpumask behind config.x86_lazy).
 *
 * cpu_tlbstate: loaded_mm (CR3, may differ from current->active_mm), loaded_mm_asid, ctxs[6] {ctx_id, tlb_gen},
 * is_lazy. Three legal states: ACTIVE (loaded_mm = M, in mask, !lazy), KERNEL (loaded_mm = init_mm), LAZY
 * (loaded_mm = M, in mask, lazy).
 *
 * With config.x86_invlpgb (AMD INVLPGB, 6.15+: Rik van Riel's broadcast TLB flush series, f37ff575b1fe "Enable
 * broadcast TLB invalidation for multi-threaded processes"): an mm seen active on more than x86_global_asid_cpus CPUs
 * after an IPI flush gets a global ASID (consider_global_asid, use_global_asid); its flushes are INVLPGB broadcasts
 * (broadcast_tlb_flush): no IPI, flush_tlb_func does not run, so lazy CPUs stay on the mm. CPUs still on a dynamic
 * slot are moved over by IPIs while the mm is in asid_transition (finish_asid_transition).
 *
 * Shortcuts, stated: speculation mitigations, LAM, PTI's user PCIDs and the LDT are not modelled; init_mm takes an
 * ASID slot like any mm (choose_new_asid is not special-cased for it); with x86_lazy 'v6.14' the once-a-second
 * should_trim_cpumask is "every x86_trim_cpumask_every-th generation of the mm" unless x86_trim_cpumask_clock gives it
 * the steps' trace time as its clock (a trace import).
 * INVLPGB: consider_global_asid checks on every IPI flush (the kernel only every 32 jiffies or so, pid-dependent); a
 * global ASID is TLB_NR_DYN_ASIDS + the mm's id and is never reused (the kernel reuses freed ones after a full flush at
 * wrap-around); INVLPGB and its TLBSYNC are one micro-step; a CPU mid-switch counts as not yet on the global ASID
 * (the kernel spins until the switch ends); INVLPGB is used only with PCID (the hardware that has one has the other).
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { coreSerialized, syncCore, SYNC_CORE_REGISTERED } from '../kernel/membarrier.ts';
import { completeFlush, coveredChanges, invalidateSecondaryTlbs } from '../kernel/tlbflush.ts';
import { hwLoad, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { smp_mb } from '../kernel/barrier.ts';
import { INIT_MM, LOADED_MM_SWITCHING, NONE, type Config, type Cpu, type CpuId, type Mm, type MmId } from '../model/types.ts';
import { defineArch, defineTlbFlush, type ArchPolicy } from './policy.ts';
import type { Decision, KernelEra } from '../engine/policy.ts';
import { eraOf } from '../engine/era.ts';
import { releaseBefore } from '../engine/generic_names.ts';

export { TLB_NR_DYN_ASIDS } from '../model/geometry.ts';
import { TLB_NR_DYN_ASIDS } from '../model/geometry.ts';
/** tlb_single_page_flush_ceiling: above this many pages a range flush becomes a full flush. */
const FLUSH_CEILING = 33;

const SRC = 'arch/x86/mm/tlb.c';

/** INVLPGB broadcast flushes and global ASIDs are in use (X86_FEATURE_INVLPGB; the model requires PCID with it). */
function invlpgb(cfg: Readonly<Config>): boolean {
  return cfg.x86_invlpgb && cfg.pcid && cfg.x86_lazy !== 'v3';
}

/** is_global_asid(): a PCID beyond the dynamic slots, identical on every CPU. */
export function isGlobalAsid(asid: number): boolean {
  return asid >= TLB_NR_DYN_ASIDS;
}

/** mm_global_asid(): the mm's global ASID, or 0 (none). */
function mmGlobalAsid(cfg: Readonly<Config>, m: Readonly<Mm>): number {
  return invlpgb(cfg) && m.global_asid !== undefined ? m.global_asid : 0;
}

/** mm_needs_global_asid(): the mm has a global ASID but this CPU runs it on another (asid transition). */
function mmNeedsGlobalAsid(cfg: Readonly<Config>, m: Readonly<Mm>, asid: number): boolean {
  const g = mmGlobalAsid(cfg, m);
  return g !== 0 && asid !== g;
}

/**
 * mm_active_cpus_exceeds(): more than `threshold` CPUs of the mask have the mm loaded and are not lazy. The kernel's
 * quick check on the mask's weight first, as there.
 */
export function mmActiveCpusExceeds(s: { cpus: ReadonlyArray<{ loaded_mm: MmId; is_lazy: boolean }> }, m: Readonly<Mm>, threshold: number): boolean {
  if (m.cpumask.filter(Boolean).length <= threshold) return false;
  let n = 0;
  for (let c = 0; c < m.cpumask.length; c++) {
    if (!m.cpumask[c] || s.cpus[c].loaded_mm !== m.id || s.cpus[c].is_lazy) continue;
    if (++n > threshold) return true;
  }
  return false;
}

defineFn('enter_lazy_tlb@x86', SRC, {
  enter_lazy_tlb(k, c) {
    const cpu = k.s.cpus[c.id];
    if (cpu.loaded_mm === INIT_MM) return RET;
    // Before 4.20, with PCID, x86 left the user mm at once instead of going lazy.
    if (k.s.config.x86_lazy === 'v4.14' && k.s.config.pcid) return call('switch_mm', { prev: NONE, next: INIT_MM }, 'ret');
    k.cpu(c.id).is_lazy = true;
    return RET;
  },
  ret: () => RET,
});

/**
 * CPU c is inside switch_mm_irqs_off (arch/x86/mm/tlb.c), interrupts off: it has cleared is_lazy, so a flush that
 * read is_lazy before that skipped it, and it may complete (and free pages) now. Harmless: before the hardware uses the
 * old mm's translations again, the CPU compares that mm's tlb_gen with its slot's (the lazy re-entry check, or
 * choose_new_asid when the mm comes back) and flushes.
 */
function switchingMm(k: Kernel, c: CpuId): boolean {
  const stack = k.s.cpus[c].stack;
  return stack.length > 0 && stack[stack.length - 1].fn === 'switch_mm_irqs_off@x86';
}

defineFn('switch_mm_irqs_off@x86', SRC, {
  switch_mm_irqs_off(k, c, f) {
    const cpu = k.cpu(c.id);
    const next = f.l.next as MmId;
    const P = cpu.loaded_mm;
    const wasLazy = cpu.is_lazy;
    f.l.P = P;
    // prev is ignored: x86 trusts loaded_mm, not active_mm.
    cpu.is_lazy = false;
    if (P === next) {
      if (next !== INIT_MM && !k.s.mms[next].cpumask[c.id]) {
        k.warn('WARN', [c.id], [k.mmName(next)], `switch_mm_irqs_off: CPU${c.id} not in mm_cpumask(${k.mmName(next)}) while it has it loaded`);
      }
      // 6.15+: the mm got a global ASID since this CPU loaded it: reload with it (choose_new_asid, no flush).
      if (mmNeedsGlobalAsid(k.s.config, k.s.mms[next], cpu.tag)) {
        f.l.next_gen = k.s.mms[next].tlb_gen;
        return 'choose_new_asid';
      }
      // Broadcast TLB invalidation keeps a global ASID up to date all the time.
      if (isGlobalAsid(cpu.tag)) return RET;
      // Same-process thread switch: nothing to do. Lazy re-entry: catch up with tlb_gen.
      return wasLazy ? 'lazy_reentry_check_tlb_gen' : RET;
    }
    return 'loaded_mm_switching';
  },
  /** Re-entry from lazy mode: smp_mb(), then see whether flushes were skipped while lazy. */
  lazy_reentry_check_tlb_gen(k, c, f) {
    smp_mb(k, c.id); // pairs with inc_mm_tlb_gen; also the barrier membarrier needs on this no-CR3-write path
    const cpu = k.s.cpus[c.id];
    const next = f.l.next as MmId;
    const nextGen = k.s.mms[next].tlb_gen;
    if (cpu.ctxs[cpu.tag].tlb_gen === nextGen) {
      // No CR3 write. Andy's RFC puts membarrier's core sync exactly here (T3).
      if (k.s.config.membarrier_sync_core === 'arch' && k.s.mms[next].membarrier_state & SYNC_CORE_REGISTERED) syncCore(k, c.id, true);
      return RET;
    }
    f.l.asid = cpu.tag;
    f.l.need_flush = true;
    f.l.next_gen = nextGen;
    return 'load_new_mm_cr3';
  },
  loaded_mm_switching(k, c) {
    k.cpu(c.id).loaded_mm = LOADED_MM_SWITCHING;
    return 'cpumask_switch';
  },
  /**
   * Stop receiving IPIs for prev (until 6.13; from 6.14 the bit stays, cleared later by a flush that finds this CPU
   * elsewhere: "x86/mm/tlb: Update mm_cpumask lazily"); start receiving them for next, and only then read its tlb_gen.
   */
  cpumask_switch(k, c, f) {
    const P = f.l.P as MmId;
    const next = f.l.next as MmId;
    if (P !== INIT_MM && P >= 0 && !lazyCpumask(k.s.config)) k.mm(P).cpumask[c.id] = false;
    if (next !== INIT_MM) k.mm(next).cpumask[c.id] = true;
    f.l.next_gen = k.s.mms[next].tlb_gen;
    // 3.x had no ASIDs: every CR3 load flushes (the choose_new_asid of a CPU without PCID, folded in).
    if (k.s.config.x86_lazy === 'v3') {
      f.l.asid = 0;
      f.l.need_flush = true;
      return 'load_new_mm_cr3';
    }
    return 'choose_new_asid';
  },
  choose_new_asid(k, c, f) {
    const cpu = k.cpu(c.id);
    const next = k.s.mms[f.l.next as MmId];
    if (!k.s.config.pcid) {
      f.l.asid = 0;
      f.l.need_flush = true;
      return 'load_new_mm_cr3';
    }
    // A global ASID is always up to date (INVLPGB broadcasts): no slot, no flush.
    const global = mmGlobalAsid(k.s.config, next);
    if (global) {
      f.l.asid = global;
      f.l.need_flush = false;
      return 'load_new_mm_cr3';
    }
    for (let a = 0; a < TLB_NR_DYN_ASIDS; a++) {
      if (cpu.ctxs[a].ctx_id === next.ctx_id) {
        f.l.asid = a;
        f.l.need_flush = cpu.ctxs[a].tlb_gen < (f.l.next_gen as number);
        return 'load_new_mm_cr3';
      }
    }
    const a = cpu.next_asid;
    cpu.next_asid = (a + 1) % TLB_NR_DYN_ASIDS;
    f.l.asid = a;
    f.l.need_flush = true;
    return 'load_new_mm_cr3';
  },
  /** Write CR3: with the no-flush bit, or flushing this PCID. Any CR3 write is core-serialising. */
  load_new_mm_cr3(k, c, f) {
    const cpu = k.cpu(c.id);
    const next = f.l.next as MmId;
    const a = f.l.asid as number;
    if (f.l.need_flush) {
      cpu.ctxs[a] = { ctx_id: k.s.mms[next].ctx_id, tlb_gen: f.l.next_gen as number };
      tlbInvalidate(k, c.id, a, next, 0, -1);
    }
    k.s.counters.cr3Writes++;
    coreSerialized(k, c.id);
    const old = f.l.P as MmId;
    hwLoad(k, c.id, next, a, old);
    return RET;
  },
});

defineFn('flush_tlb_mm_range@x86', SRC, {
  /** inc_mm_tlb_gen: a full barrier, before mm_cpumask and is_lazy are read. */
  inc_mm_tlb_gen(k, c, f) {
    const mm = f.l.mm as MmId;
    let start = f.l.start as number;
    let end = f.l.end as number;
    if (end >= 0 && end - start > FLUSH_CEILING) {
      start = 0;
      end = -1;
    }
    f.l.start = start;
    f.l.end = end;
    const m = k.mm(mm);
    f.l.g = ++m.tlb_gen;
    smp_mb(k, c.id); // atomic64_inc_return: a full barrier before mm_cpumask and is_lazy are read
    f.l.covered = coveredChanges(k, mm, start, end);
    // 6.15+: an mm with a global ASID is flushed by INVLPGB broadcast, whoever is in its mask.
    const path = flushPath(k.s.config, m);
    if (invlpgb(k.s.config)) k.decided(path);
    if (path.broadcast) return 'broadcast_tlb_flush';
    // 3.x flushed here first, then sent the IPIs (flush_tlb_mm_range, before flush_tlb_others).
    return k.s.config.x86_lazy === 'v3' ? 'local_flush_tlb' : 'flush_tlb_multi';
  },
  /**
   * 3.x (x86_lazy 'v3'; flush_tlb_mm_range of arch/x86/mm/tlb.c, read at 3.6 and 4.4): the flusher flushed
   * its own TLB inline, with interrupts on, before flush_tlb_others: nothing if current->active_mm is another mm;
   * leave_mm if it is lazy (!current->mm); else local_flush_tlb, or __flush_tlb_single per page of a range (one
   * micro-step here, which this label stands for). flush_tlb_func was only the IPI handler then.
   */
  local_flush_tlb(k, c, f) {
    const mm = f.l.mm as MmId;
    if (k.s.cpus[c.id].loaded_mm !== mm) {
      k.decided(V3_LOCAL.other, c.id);
      return 'flush_tlb_multi';
    }
    const d = flushFuncDecision(k.s, c.id, { mm, local: true, g: f.l.g as number, end: f.l.end as number });
    k.decided(v3LocalDecision(d), c.id);
    if (d.next === 'unlazy') return call('leave_mm@x86', {}, 'flush_tlb_multi');
    if (d.next === 'flush_range' || d.next === 'flush_all') flushLoaded(k, c.id, mm, d.next === 'flush_range', f.l.start as number, f.l.end as number);
    return 'flush_tlb_multi';
  },
  /** INVLPGB for the mm's global ASID (range or whole PCID), then TLBSYNC: every CPU's TLB, no IPI, no handler. */
  broadcast_tlb_flush(k, _c, f) {
    const mm = f.l.mm as MmId;
    const asid = mmGlobalAsid(k.s.config, k.s.mms[mm]);
    f.l.broadcast = true;
    for (let i = 0; i < k.s.cpus.length; i++) tlbInvalidate(k, i, asid, mm, f.l.start as number, f.l.end as number);
    return 'finish_asid_transition';
  },
  /**
   * While CPUs may still run the mm on a dynamic slot (which INVLPGB of the global PCID does not reach), IPI the mask
   * (flush_tlb_multi: every CPU of it, whose flush_tlb_func moves it to the global ASID); once none does, the
   * transition is over.
   */
  finish_asid_transition(k, _c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    if (!m.asid_transition) return 'wait_ipis';
    const d = asidTransitionDecision(k.s, m);
    k.decided(d);
    if (d.ipi) return 'flush_tlb_multi';
    k.mm(mm).asid_transition = false;
    return 'wait_ipis';
  },
  /**
   * native_flush_tlb_multi: which CPUs get the IPI (flushDecision: should_flush_tlb, or every CPU of the mask when
   * page tables are freed), then the local flush. From 6.14 the mask test (cpumask_any_but) comes first and picks
   * should_trim_cpumask, and the local CPU is asked the same question as the others (on_each_cpu_cond_mask).
   */
  flush_tlb_multi(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    const cfg = k.s.config;
    // From finish_asid_transition (a broadcast flush) there is no trim and no consider_global_asid after.
    const trim = !f.l.broadcast && lazyCpumask(cfg) && should_trim_cpumask(k, c, mm, f.l.g as number);
    const transition = invlpgb(cfg) && !!m.asid_transition;
    const info = { mm, start: f.l.start, end: f.l.end, g: f.l.g, freed_tables: f.l.freed_tables, trim_cpumask: trim, asid_transition: transition };
    const targets: CpuId[] = [];
    let others = false;
    for (let i = 0; i < m.cpumask.length; i++) {
      if (!m.cpumask[i] || i === c.id) continue;
      others = true;
      const d = flushDecision(k.s, i, info);
      k.decided(remoteDecision(cfg, d), i);
      if (d.flush) targets.push(i);
    }
    f.l.ipi = k.sendIpi(c.id, targets, 'flush_tlb_func@x86', info);
    f.l.consider = invlpgb(cfg) && others && !f.l.broadcast;
    // 3.x: the local flush already ran (local_flush_tlb above).
    if (cfg.x86_lazy === 'v3') return 'wait_ipis';
    let local = others ? m.cpumask[c.id] : k.s.cpus[c.id].loaded_mm === mm;
    if (others && local && lazyCpumask(cfg)) {
      const d = flushDecision(k.s, c.id, info);
      k.decided(localDecision(cfg, d), c.id);
      local = d.flush;
    } else if (!others) k.decided(local ? LOCAL_ONLY : NO_FLUSH_HERE, c.id);
    if (!local) return 'wait_ipis';
    // The local flush runs with interrupts off, like the remote handlers.
    k.cpu(c.id).irqs_off++;
    return call('flush_tlb_func@x86', { ...info, local: true }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return 'wait_ipis';
  },
  wait_ipis: when(ipisDone, (k, _c, f) => (f.l.consider ? 'consider_global_asid' : afterCpuFlush(k, f.l.mm as MmId))),
  /**
   * 6.15+, after an IPI flush: a process active (mm loaded, not lazy) on more than x86_global_asid_cpus CPUs gets a
   * global ASID (use_global_asid), and is in asid_transition until every CPU running it uses that ASID.
   */
  consider_global_asid(k, _c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    if (m.global_asid === undefined && mmActiveCpusExceeds(k.s, m, k.s.config.x86_global_asid_cpus)) {
      k.decided(USE_GLOBAL_ASID);
      const w = k.mm(mm);
      w.global_asid = TLB_NR_DYN_ASIDS + mm;
      w.asid_transition = true;
    }
    return afterCpuFlush(k, mm);
  },
  /** 6.6+: mmu_notifier_arch_invalidate_secondary_tlbs, called from the arch flush itself. */
  arch_invalidate_secondary_tlbs(k, _c, f) {
    invalidateSecondaryTlbs(k, f.l.mm as MmId, f.l.start as number, f.l.end as number);
    return 'done';
  },
  done(k, c, f) {
    completeFlush(k, c.id, f.l.mm as MmId, f.l.covered as number[], null, f.l.g as number);
    return RET;
  },
});

/** x86_lazy 'v6.14': switching away leaves the CPU in the old mm's mm_cpumask. */
function lazyCpumask(cfg: Readonly<Config>): boolean {
  return cfg.x86_lazy === 'v6.14';
}

/**
 * should_trim_cpumask (6.14+, "x86/mm/tlb: Only trim the mm_cpumask once a second", 6db2526c1d69): the kernel trims
 * when jiffies is past the mm's context.next_trim_cpumask (set to a second after the mm is made, by init_new_context,
 * and to a second after each trim). With x86_trim_cpumask_clock the model does the same in the steps' trace time (the
 * initiator's Cpu.now; the mm's created_at); without step times nothing trims. Otherwise the model has no clock: a
 * flush trims when its generation is a multiple of x86_trim_cpumask_every (0: never).
 */
export function should_trim_cpumask(k: Kernel, c: Cpu, mm: MmId, g: number): boolean {
  const cfg = k.s.config;
  if (cfg.x86_trim_cpumask_clock) {
    const m = k.s.mms[mm];
    const next = m.next_trim_cpumask ?? (m.created_at === undefined ? undefined : m.created_at + HZ);
    if (c.now === undefined || next === undefined || !(c.now > next)) return false;
    k.mm(mm).next_trim_cpumask = c.now + HZ;
    return true;
  }
  const every = cfg.x86_trim_cpumask_every;
  return every > 0 && g % every === 0;
}

/** One second (HZ jiffies), in the seconds step times are given in. */
const HZ = 1;

/** Why a CPU of the mask does or does not get the flush (flushDecision). */
export type FlushReason =
  /** 4.14: every CPU in the mask is IPI'd, lazy or not. */
  | 'v4.14-all'
  /** freed_tables: every CPU in the mask, lazy ones included (page-table pages are about to be freed). */
  | 'freed_tables'
  /** 6.15+: the mm is moving to a global ASID: every CPU in the mask, so each reloads with it. */
  | 'asid_transition'
  /** is_lazy: it catches up through tlb_gen when it switches back (4.20+). */
  | 'lazy'
  /** 4.20–6.13 (tlb_is_not_lazy): any CPU of the mask that is not lazy. */
  | 'not-lazy'
  /** 6.14+: mid-switch (LOADED_MM_SWITCHING), it may hold state of either mm: assume the worst. */
  | 'switching'
  /** 6.14+: the target mm is loaded and the CPU is not lazy. */
  | 'loaded'
  /** 6.14+: in the mask with another mm loaded, and this flush trims the mask: the IPI makes it clear its bit. */
  | 'trim_cpumask'
  /** 6.14+: in the mask with another mm loaded: skipped (its slot is behind tlb_gen; choose_new_asid flushes it). */
  | 'other-mm';

/** What flushDecision reads: a working state or a snapshot. */
export interface FlushState {
  readonly config: Readonly<Config>;
  readonly cpus: ReadonlyArray<{ readonly is_lazy: boolean; readonly loaded_mm: MmId }>;
}

export interface FlushDecision {
  flush: boolean;
  reason: FlushReason;
}

/**
 * Does CPU c (in mm_cpumask) get flush_tlb_func for this flush, and why: native_flush_tlb_multi and should_flush_tlb
 * (arch/x86/mm/tlb.c) as ordered early returns, per era. Pure: reads the state, writes nothing.
 */
export function flushDecision(s: FlushState, c: CpuId, info: { freed_tables: unknown; mm: MmId; trim_cpumask?: boolean; asid_transition?: boolean }): FlushDecision {
  const cfg = s.config;
  const cpu = s.cpus[c];
  if (cfg.x86_lazy === 'v4.14' || cfg.x86_lazy === 'v3') return { flush: true, reason: 'v4.14-all' };
  if (info.freed_tables && cfg.x86_freed_tables_ipi) return { flush: true, reason: 'freed_tables' };
  if (info.asid_transition) return { flush: true, reason: 'asid_transition' };
  if (cpu.is_lazy) return { flush: false, reason: 'lazy' };
  if (!lazyCpumask(cfg)) return { flush: true, reason: 'not-lazy' };
  if (cpu.loaded_mm === LOADED_MM_SWITCHING) return { flush: true, reason: 'switching' };
  if (cpu.loaded_mm === info.mm) return { flush: true, reason: 'loaded' };
  if (info.trim_cpumask) return { flush: true, reason: 'trim_cpumask' };
  return { flush: false, reason: 'other-mm' };
}

/** The kernel function that asks flushDecision's lazy question in this era: should_flush_tlb from 6.14, tlb_is_not_lazy before. */
function lazyTest(cfg: Readonly<Config>): string {
  return lazyCpumask(cfg) ? 'should_flush_tlb' : 'tlb_is_not_lazy';
}

/** The kernel condition behind each flushDecision reason, in the era's names (constants: the timeline interns them). */
export function flushReasonText(cfg: Readonly<Config>, r: FlushReason): string {
  switch (r) {
    case 'v4.14-all':
      return 'every CPU in mm_cpumask, lazy or not (native_flush_tlb_others before 4.20)';
    case 'freed_tables':
      return beforeFlushMulti(cfg)
        ? 'freed_tables: page-table pages are freed, so lazy CPUs too (native_flush_tlb_others)'
        : 'freed_tables: page-table pages are freed, so lazy CPUs too (native_flush_tlb_multi)';
    case 'asid_transition':
      return 'mm_in_asid_transition: every CPU of mm_cpumask moves to the global ASID (native_flush_tlb_multi)';
    case 'lazy':
      return `is_lazy: catches up through tlb_gen when it switches back (${lazyTest(cfg)})`;
    case 'not-lazy':
      return 'in mm_cpumask and not lazy (tlb_is_not_lazy)';
    case 'switching':
      return 'loaded_mm == LOADED_MM_SWITCHING: may hold either mm (should_flush_tlb)';
    case 'loaded':
      return 'loaded_mm == mm and not lazy (should_flush_tlb)';
    case 'trim_cpumask':
      return 'another mm loaded and this flush trims mm_cpumask: it clears its bit (should_trim_cpumask)';
    case 'other-mm':
      return 'another mm loaded: its ASID slot is behind tlb_gen, choose_new_asid flushes it (should_flush_tlb)';
  }
}

/** A CPU of the mask other than the flusher: IPI'd with flush_tlb_func, or skipped. */
export function remoteDecision(cfg: Readonly<Config>, d: FlushDecision): Decision {
  return { decision: d.flush ? 'IPI' : 'skip', reason: flushReasonText(cfg, d.reason) };
}

/** 6.14+: the flusher asks itself the same question (on_each_cpu_cond_mask includes the local CPU). */
export function localDecision(cfg: Readonly<Config>, d: FlushDecision): Decision {
  return { decision: d.flush ? 'flush locally' : 'no local flush', reason: flushReasonText(cfg, d.reason) };
}

/** No other CPU in mm_cpumask: flush_tlb_mm_range flushes only here, if the mm is loaded here. */
const LOCAL_ONLY: Decision = { decision: 'local only', reason: 'no other CPU in mm_cpumask and loaded_mm == mm (flush_tlb_mm_range, cpumask_any_but)' };
const NO_FLUSH_HERE: Decision = { decision: 'no flush', reason: 'no other CPU in mm_cpumask and the mm is not loaded here (flush_tlb_mm_range)' };
const USE_GLOBAL_ASID: Decision = { decision: 'global ASID', reason: 'active on more than x86_global_asid_cpus CPUs (consider_global_asid, mm_active_cpus_exceeds)' };

/** 6.15+ (INVLPGB): broadcast the flush (the mm has a global ASID) or IPI the mask (flush_tlb_mm_range). Pure. */
export function flushPath(cfg: Readonly<Config>, m: Readonly<Mm>): Decision & { broadcast: boolean } {
  return mmGlobalAsid(cfg, m)
    ? { broadcast: true, decision: 'INVLPGB broadcast', reason: 'the mm has a global ASID: no IPI, flush_tlb_func does not run (mm_global_asid, broadcast_tlb_flush)' }
    : { broadcast: false, decision: 'IPI', reason: 'no global ASID yet (mm_global_asid == 0): flush_tlb_multi' };
}

/**
 * 6.15+, after an INVLPGB of an mm in asid_transition: is a CPU of the mask still mid-switch or on a dynamic slot (then
 * the mask gets flush_tlb_multi's IPIs), or is the transition over (finish_asid_transition)? Pure.
 */
export function asidTransitionDecision(s: FlushState & { cpus: ReadonlyArray<{ tag: number }> }, m: Readonly<Mm>): Decision & { ipi: boolean } {
  const global = mmGlobalAsid(s.config, m);
  for (let i = 0; i < m.cpumask.length; i++) {
    if (!m.cpumask[i]) continue;
    const cpu = s.cpus[i];
    if (cpu.loaded_mm === LOADED_MM_SWITCHING || (cpu.loaded_mm === m.id && cpu.tag !== global)) {
      return { ipi: true, decision: 'IPI the mask', reason: 'a CPU of mm_cpumask still runs the mm on a dynamic ASID (finish_asid_transition)' };
    }
  }
  return { ipi: false, decision: 'transition over', reason: 'every CPU running the mm uses the global ASID (finish_asid_transition)' };
}

/** What flush_tlb_func does on the CPU that runs it (flushFuncDecision). */
export type FlushFuncNext = 'cpumask_clear_cpu' | 'return' | 'reload_global_asid' | 'unlazy' | 'flush_range' | 'flush_all';

/**
 * The receiving side (flush_tlb_func, arch/x86/mm/tlb.c; flush_tlb_func_common in 4.14-5.x, flush_tlb_func in 3.x):
 * what CPU c does with a flush of `mm` to generation `g` (`end` < 0: the whole mm), and the kernel condition why, as
 * ordered early returns. Pure: reads the state, writes nothing. The 3.x era has no tlb_gen (the model's generations
 * stand in for "this CPU already flushed it"), and drops a lazy CPU with leave_mm.
 */
export function flushFuncDecision(s: FlushFuncState, c: CpuId, info: { mm: MmId; local: boolean; g: number; end: number }): Decision & { next: FlushFuncNext } {
  const d = flushFuncCondition(s, c, info);
  return beforeFlushMulti(s.config) ? { ...d, reason: in414(d.reason) } : d;
}

type FlushFuncState = FlushState & {
  readonly cpus: ReadonlyArray<{ readonly tag: number; readonly ctxs: ReadonlyArray<{ readonly tlb_gen: number }> }>;
  readonly mms: ReadonlyArray<Readonly<Mm>>;
};

/** A reason citing flush_tlb_func as 4.14-5.12 name it: the conditions were in flush_tlb_func_common (x86Era). */
const reasons414 = new Map<string, string>();
function in414(reason: string): string {
  let r = reasons414.get(reason);
  if (r === undefined) reasons414.set(reason, (r = reason.replace(/\(flush_tlb_func\b/, '(flush_tlb_func_common')));
  return r;
}

function flushFuncCondition(s: FlushFuncState, c: CpuId, info: { mm: MmId; local: boolean; g: number; end: number }): Decision & { next: FlushFuncNext } {
  const cfg = s.config;
  const cpu = s.cpus[c];
  const v3 = cfg.x86_lazy === 'v3';
  // 6.14+: the CPU that sent the flush clears its stale bit too. 209954cbc7d0 alone cleared it only on a remote call;
  // 953753db887f ("Also remove local CPU from mm_cpumask if stale", Rik van Riel, Dec 2024) moved the test out of the
  // remote-only block before either was released: both are in v6.14-rc1.
  if (lazyCpumask(cfg) && cpu.loaded_mm !== info.mm) return { next: 'cpumask_clear_cpu', decision: 'clear mm_cpumask bit', reason: 'loaded_mm != mm: this CPU left the mm, its bit was kept lazily; clear it, nothing to flush, local call or remote (flush_tlb_func)' };
  // 4.20-6.13: only a remote call can find another mm loaded (flush_tlb_func_remote, later the !local block of
  // flush_tlb_func); a local call runs only when the mm is loaded here.
  if (!info.local && cpu.loaded_mm !== info.mm) return { next: 'return', decision: 'nothing to flush', reason: 'loaded_mm != mm: the CPU switched away after the IPI was sent (flush_tlb_func)' };
  if (cpu.loaded_mm === INIT_MM) return { next: 'return', decision: 'nothing to flush', reason: 'loaded_mm == init_mm: no user mm loaded here (flush_tlb_func)' };
  if (mmNeedsGlobalAsid(cfg, s.mms[cpu.loaded_mm], cpu.tag)) return { next: 'reload_global_asid', decision: 'reload with the global ASID', reason: 'the mm got a global ASID: switch to it, INVLPGB keeps it current (flush_tlb_func, mm_needs_global_asid)' };
  if (isGlobalAsid(cpu.tag)) return { next: 'return', decision: 'nothing to flush', reason: 'on the global ASID: the INVLPGB broadcast already flushed it (flush_tlb_func, is_global_asid)' };
  if (cpu.is_lazy) {
    return v3
      ? { next: 'unlazy', decision: 'leave the mm', reason: 'cpu_tlbstate.state != TLBSTATE_OK: lazy, leave_mm rather than flush (flush_tlb_func)' }
      : { next: 'unlazy', decision: 'switch to init_mm', reason: 'is_lazy: switch_mm_irqs_off to init_mm rather than flush (flush_tlb_func)' };
  }
  const localGen = cpu.ctxs[cpu.tag].tlb_gen;
  const mmGen = s.mms[info.mm].tlb_gen;
  if (info.g <= localGen || localGen === mmGen) {
    return v3
      ? { next: 'return', decision: 'already flushed', reason: 'a later flush of the mm already ran here (flush_tlb_func; 3.x keeps no tlb_gen)' }
      : info.g <= localGen
        ? { next: 'return', decision: 'already flushed', reason: 'new_tlb_gen <= local_tlb_gen: already up to date for this flush (flush_tlb_func)' }
        : { next: 'return', decision: 'already flushed', reason: 'already up to date: local_tlb_gen == mm_tlb_gen (flush_tlb_func)' };
  }
  if (info.end >= 0 && info.g === localGen + 1 && info.g === mmGen) {
    return { next: 'flush_range', decision: 'flush the range', reason: v3 ? 'a range flush: invalidate its pages (flush_tlb_func, __flush_tlb_single)' : 'new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func)' };
  }
  return { next: 'flush_all', decision: 'full flush', reason: v3 ? 'a whole-mm flush: local_flush_tlb (flush_tlb_func)' : 'more than this flush is missing (or the whole mm is flushed): flush everything, catch up to mm_tlb_gen (flush_tlb_func)' };
}

defineFn('flush_tlb_func@x86', SRC, {
  flush_tlb_func(k, c, f) {
    const mm = f.l.mm as MmId;
    const d = flushFuncDecision(k.s, c.id, { mm, local: !!f.l.local, g: f.l.g as number, end: f.l.end as number });
    k.decided(d, c.id);
    switch (d.next) {
      case 'cpumask_clear_cpu':
        return 'cpumask_clear_cpu';
      case 'return':
        return RET;
      // 6.15+: move to the mm's global ASID (a reload without flush)
      case 'reload_global_asid':
        return call('switch_mm_irqs_off@x86', { prev: NONE, next: k.s.cpus[c.id].loaded_mm }, 'ret');
      // Unlazy: switch to init_mm (3.x: leave_mm); current->active_mm still says mm.
      case 'unlazy':
        return k.s.config.x86_lazy === 'v3' ? call('leave_mm@x86', {}, 'ret') : call('switch_mm_irqs_off@x86', { prev: NONE, next: INIT_MM }, 'ret');
    }
    flushLoaded(k, c.id, mm, d.next === 'flush_range', f.l.start as number, f.l.end as number);
    return RET;
  },
  /**
   * 6.14+ (TLB_REMOTE_WRONG_CPU): leave the mask of the mm this CPU no longer has loaded; nothing to flush. The local
   * CPU too, asked by should_flush_tlb like the others when the flush trims the mask (953753db887f).
   */
  cpumask_clear_cpu(k, c, f) {
    k.mm(f.l.mm as MmId).cpumask[c.id] = false;
    return RET;
  },
  ret: () => RET,
});

/** Flush mm's range (or all of it) from CPU c's current PCID and catch its slot up to the mm's tlb_gen. */
function flushLoaded(k: Kernel, c: CpuId, mm: MmId, partial: boolean, start: number, end: number): void {
  const a = k.s.cpus[c].tag;
  const ctxId = k.s.cpus[c].ctxs[a].ctx_id;
  const mmGen = k.s.mms[mm].tlb_gen;
  tlbInvalidate(k, c, a, mm, partial ? start : 0, partial ? end : -1);
  k.cpu(c).ctxs[a] = { ctx_id: ctxId, tlb_gen: mmGen };
}

defineFn('leave_mm@x86', SRC, {
  /**
   * 3.x (x86_lazy 'v3'): leave_mm (arch/x86/mm/tlb.c), called by flush_tlb_func on a lazy CPU and by
   * flush_tlb_mm_range on a lazy flusher: take the CPU out of its mm's mm_cpumask (cpumask_clear_cpu) and load
   * swapper_pg_dir (load_cr3, a flush without PCID). One micro-step standing for those two lines. 3.x left
   * cpu_tlbstate.state LAZY and active_mm on the mm; the model's CPU is then in its init_mm state, as after a later
   * kernel's switch to init_mm.
   */
  leave_mm(k, c) {
    const cpu = k.cpu(c.id);
    const old = cpu.loaded_mm;
    if (old === INIT_MM) return RET;
    if (old >= 0) k.mm(old).cpumask[c.id] = false;
    cpu.is_lazy = false;
    cpu.ctxs[0] = { ctx_id: k.s.mms[INIT_MM].ctx_id, tlb_gen: k.s.mms[INIT_MM].tlb_gen };
    tlbInvalidate(k, c.id, 0, INIT_MM, 0, -1);
    k.s.counters.cr3Writes++;
    coreSerialized(k, c.id);
    hwLoad(k, c.id, INIT_MM, 0, old);
    return RET;
  },
});

/** 3.x, the flusher's own TLB (flush_tlb_mm_range's inline flush): what it did and the condition, per flushFuncDecision. */
const V3_LOCAL = {
  other: { decision: 'no local flush', reason: 'current->active_mm != mm: nothing of the mm here (flush_tlb_mm_range)' },
  leave: { decision: 'leave the mm', reason: '!current->mm: a lazy flusher leaves the mm rather than flush (flush_tlb_mm_range: leave_mm)' },
  none: { decision: 'no local flush', reason: 'already flushed here by a later flush, or no user mm loaded (flush_tlb_mm_range; 3.x keeps no tlb_gen)' },
  range: { decision: 'flush the range', reason: 'current->mm == mm: its pages invalidated here before the IPIs (flush_tlb_mm_range: __flush_tlb_single)' },
  all: { decision: 'full flush', reason: 'current->mm == mm: the TLB flushed here before the IPIs (flush_tlb_mm_range: local_flush_tlb)' },
} as const;

function v3LocalDecision(d: { next: FlushFuncNext }): Decision {
  return d.next === 'unlazy' ? V3_LOCAL.leave : d.next === 'flush_range' ? V3_LOCAL.range : d.next === 'flush_all' ? V3_LOCAL.all : V3_LOCAL.none;
}

defineTlbFlush('x86', 'arch/x86/include/asm/tlb.h', true);

/**
 * After the CPU flush: 6.6+ invalidates secondary TLBs from the arch flush itself. In the 3.x and 4.14 eras that call
 * does not exist: there the step is shown only when the mm has secondary MMUs (mm_has_notifiers), for a scenario
 * that combines an old x86 era with mmu_notifier "v6.6".
 */
function afterCpuFlush(k: Kernel, mm: MmId): string {
  const cfg = k.s.config;
  if (cfg.mmu_notifier !== 'v6.6') return 'done';
  const old = cfg.x86_lazy === 'v3' || cfg.x86_lazy === 'v4.14';
  return old && k.s.mms[mm].notifiers.length === 0 ? 'done' : 'arch_invalidate_secondary_tlbs';
}

/**
 * The era the x86 configuration selects (ArchPolicy.era): the release read, and the names of its code there. `at`: an
 * older release a knob pins (engine/era.ts eraOf), which the 4.19-6.13 design (x86_lazy 'v4.20', no INVLPGB) is read
 * at; the 3.x and 4.14 eras are older anyway, and the 6.14+ and INVLPGB designs did not exist before 6.14.
 */
function x86Era(cfg: Readonly<Config>, at?: string): KernelEra {
  switch (cfg.x86_lazy) {
    case 'v3':
      // switch_mm and enter_lazy_tlb were inlines of asm/mmu_context.h then.
      return { version: 'v3.10', rename: X86_V3_NAMES, src: { switch_mm_irqs_off: 'arch/x86/include/asm/mmu_context.h', enter_lazy_tlb: 'arch/x86/include/asm/mmu_context.h' } };
    case 'v4.14':
      return { version: 'v4.14', rename: X86_BEFORE_5_13 };
    case 'v6.14':
      return { version: 'v6.18' };
    default:
      if (!at || cfg.x86_invlpgb || releaseBefore(at, 'v4.19')) return { version: 'v6.12' };
      return releaseBefore(at, 'v5.13') ? { version: at, rename: X86_BEFORE_5_13 } : { version: at };
  }
}

/**
 * 4.13-5.12: native_flush_tlb_others, under flush_tlb_others; flush_tlb_multi came with "x86/mm/tlb: Flush remote and
 * local TLBs concurrently" (Nadav Amit, 5.13). The flush's body was flush_tlb_func_common, under flush_tlb_func_local /
 * _remote (DepSurf: absent in 4.10, present in 4.13 to 5.11, gone in 5.13; a 5.4.y arch/x86/mm/tlb.c, the 5.4-rt tree
 * CodeLinaro-mirror/femto5g_oss_kernel_linux-ipq-5.4-rt, has all three and native_flush_tlb_others with
 * tlb_is_not_lazy), one flush_tlb_func again since "x86/mm/tlb: Unify flush_tlb_func_local() and
 * flush_tlb_func_remote()" (Nadav Amit, 5.13).
 */
const X86_BEFORE_5_13: Readonly<Record<string, string>> = {
  'flush_tlb_mm_range.flush_tlb_multi': 'flush_tlb_others',
  flush_tlb_func: 'flush_tlb_func_common',
  'flush_tlb_func.flush_tlb_func': 'flush_tlb_func_common',
};

/** Is the configuration read at a release with flush_tlb_func_common and native_flush_tlb_others (X86_BEFORE_5_13)? */
function beforeFlushMulti(cfg: Readonly<Config>): boolean {
  let b = beforeFlushMultiOf.get(cfg);
  if (b === undefined) {
    const v = eraOf(x86Era, cfg).version;
    beforeFlushMultiOf.set(cfg, (b = !releaseBefore(v, 'v4.13') && releaseBefore(v, 'v5.13')));
  }
  return b;
}
const beforeFlushMultiOf = new WeakMap<Readonly<Config>, boolean>();

/**
 * 3.x (read at v3.10): switch_mm in asm/mmu_context.h, and flush_tlb_mm_range / flush_tlb_others / flush_tlb_func /
 * leave_mm in mm/tlb.c. No tlb_gen, no PCID, no LOADED_MM_SWITCHING. The labels and the lines of 3.x they stand for:
 * - switch_mm.switch_mm: the entry; cpu_tlbstate.state = TLBSTATE_OK (this_cpu_write); same mm and not lazy: done;
 * - switch_mm.cpumask_test_and_set_cpu: same mm after lazy mode: reload CR3 only if the CPU had left the mm's mask
 *   (the model asks its own generations, which in this era move exactly when a flush made the CPU leave);
 * - switch_mm.this_cpu_write: cpu_tlbstate.state and .active_mm written for the new mm (the model's
 *   LOADED_MM_SWITCHING marker has no 3.x counterpart);
 * - switch_mm.cpumask_set_cpu: join the new mm's mask; the model also leaves the old one's here (3.x did that with
 *   cpumask_clear_cpu after load_cr3);
 * - switch_mm.load_cr3: load_cr3(next->pgd);
 * - flush_tlb_mm_range.flush_tlb_mm_range: the entry (the model's tlb_gen bookkeeping is its own, not 3.x's);
 * - flush_tlb_mm_range.local_flush_tlb: the flusher's own flush (local_flush_tlb, __flush_tlb_single or leave_mm);
 * - flush_tlb_mm_range.flush_tlb_others: flush_tlb_others -> native_flush_tlb_others -> smp_call_function_many;
 *   wait_ipis is that call's wait, done the end of flush_tlb_mm_range (model label names).
 */
const X86_V3_NAMES: Readonly<Record<string, string>> = {
  switch_mm_irqs_off: 'switch_mm',
  'switch_mm_irqs_off.switch_mm_irqs_off': 'switch_mm',
  'switch_mm_irqs_off.lazy_reentry_check_tlb_gen': 'cpumask_test_and_set_cpu',
  'switch_mm_irqs_off.loaded_mm_switching': 'this_cpu_write',
  'switch_mm_irqs_off.cpumask_switch': 'cpumask_set_cpu',
  'switch_mm_irqs_off.load_new_mm_cr3': 'load_cr3',
  'flush_tlb_mm_range.inc_mm_tlb_gen': 'flush_tlb_mm_range',
  'flush_tlb_mm_range.flush_tlb_multi': 'flush_tlb_others',
};

/** A non-current PCID slot that is behind its mm's tlb_gen or now belongs to another mm: flushed before reuse. */
function x86UnusableTag(k: Kernel, c: CpuId, e: { tag: number; mm: MmId }): boolean {
  const cpu = k.s.cpus[c];
  if (e.tag === cpu.tag && cpu.loaded_mm !== LOADED_MM_SWITCHING) return false;
  const m = k.s.mms[e.mm];
  // A global ASID is the same on every CPU and kept up to date by INVLPGB broadcasts (never reused in the model).
  if (isGlobalAsid(e.tag)) return e.tag !== m.global_asid;
  const slot = cpu.ctxs[e.tag];
  if (!slot || slot.ctx_id !== m.ctx_id) return true;
  return slot.tlb_gen < m.tlb_gen;
}

/**
 * Does the era's bare-metal x86 kernel free page tables through RCU (MMU_GATHER_RCU_TABLE_FREE)? 3.x: no. 4.14–4.18:
 * yes, for every x86 since 9e52fc2b50de (Vitaly Kuznetsov; believed, not checked for every config). 4.19–6.14: only
 * paravirt guests (Peter Zijlstra, 2018, "x86/mm: Only use tlb_remove_table() for paravirt"): bare metal's
 * native_tlb_remove_table is tlb_remove_page, freed right after the flush. 6.15+: unconditional (a37259732a7d, Rik van
 * Riel, with the INVLPGB series; in tip x86/mm from 2025-02-21, after 6.14-rc3, and an AUTOSEL candidate for 6.14.y in
 * May 2025, so not in 6.14 itself). The eras: v3 = 3.10, v4.14, v4.20 = up to 6.13, v6.14 = read at 6.18 (so on,
 * although a 6.14 kernel had it off).
 */
export function x86RcuTableFree(cfg: Readonly<Config>): { value: boolean; why: string } {
  if (cfg.x86_invlpgb || cfg.x86_lazy === 'v6.14') return { value: true, why: 'x86 selects MMU_GATHER_RCU_TABLE_FREE unconditionally since 6.15 (a37259732a7d)' };
  if (cfg.x86_lazy === 'v4.14') return { value: true, why: 'x86 4.14–4.18 freed page tables through RCU (9e52fc2b50de)' };
  if (cfg.x86_lazy === 'v3') return { value: false, why: 'x86 before 4.14 had no RCU table freeing' };
  return { value: false, why: 'x86 4.19–6.14 on bare metal frees page tables right after the flush (native_tlb_remove_table is tlb_remove_page; RCU freeing only for paravirt guests): set rcu_table_free "on" for a guest' };
}

export const x86: ArchPolicy = defineArch({
  name: 'x86',
  mmDetail: (m) => [
    ['ctx_id', String(m.ctx_id)], ['tlb_gen', String(m.tlb_gen)],
    ...(m.global_asid !== undefined ? [['global_asid', `${m.global_asid}${m.asid_transition ? ' (transition)' : ''}`] as [string, string]] : []),
  ],
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@x86',
    enter_lazy_tlb: 'enter_lazy_tlb@x86',
    flush_tlb_mm_range: 'flush_tlb_mm_range@x86',
    tlb_flush: 'tlb_flush@x86',
  },
  defaultI8Mode: 'x86-lazy-relaxed',
  asidSlots: TLB_NR_DYN_ASIDS,
  returnSerializes: (k) => k.s.config.pti,
  i8Tolerated(k, c, e) {
    const cpu = k.s.cpus[c];
    const t = k.s.tasks[cpu.curr];
    // lazy(c, M) (a kernel thread on it, or is_lazy still set, which flushers read), or inside the switch that ends
    // it: caught up through tlb_gen before any non-speculative use
    if ((t.mm === NONE || cpu.is_lazy || switchingMm(k, c)) && cpu.loaded_mm === e.mm && e.tag === cpu.tag) return true;
    return x86UnusableTag(k, c, e);
  },
  unusableTag: (k, c, e) => x86UnusableTag(k, c, e),
  switchingMm,
  traceEvidence: 'x86-only',
  era: x86Era,
  secondaryInFlush: true,
  flushTlbMmFreesTables: true,
  invariants: { cpuTlbstate: true },
  rcuTableFree: (k) => x86RcuTableFree(k.s.config),
});
