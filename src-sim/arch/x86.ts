/**
 * x86: arch/x86/mm/tlb.c (v6.12, with the v4.14 lazy semantics behind config.x86_lazy).
 *
 * cpu_tlbstate: loaded_mm (CR3, may differ from current->active_mm), loaded_mm_asid, ctxs[6] {ctx_id, tlb_gen},
 * is_lazy. Three legal states: ACTIVE (loaded_mm = M, in mask, !lazy), KERNEL (loaded_mm = init_mm), LAZY
 * (loaded_mm = M, in mask, lazy).
 *
 * Shortcuts, stated: speculation mitigations, LAM, PTI's user PCIDs, the LDT and trim_cpumask are not modelled;
 * init_mm takes an ASID slot like any mm (choose_new_asid is not special-cased for it).
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { coreSerialized, syncCore, SYNC_CORE_REGISTERED } from '../kernel/membarrier.ts';
import { completeFlush, coveredChanges, invalidateSecondaryTlbs } from '../kernel/tlbflush.ts';
import { hwLoad, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { INIT_MM, LOADED_MM_SWITCHING, NONE, type CpuId, type MmId } from '../model/types.ts';
import { speculatesWhenAttached, type ArchPolicy } from './policy.ts';

export { TLB_NR_DYN_ASIDS } from '../model/geometry.ts';
import { TLB_NR_DYN_ASIDS } from '../model/geometry.ts';
/** tlb_single_page_flush_ceiling: above this many pages a range flush becomes a full flush. */
const FLUSH_CEILING = 33;

const SRC = 'arch/x86/mm/tlb.c';

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
      // Same-process thread switch: nothing to do. Lazy re-entry: catch up with tlb_gen.
      return wasLazy ? 'lazy_reentry_check_tlb_gen' : RET;
    }
    return 'loaded_mm_switching';
  },
  /** Re-entry from lazy mode: smp_mb(), then see whether flushes were skipped while lazy. */
  lazy_reentry_check_tlb_gen(k, c, f) {
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
  /** Stop receiving IPIs for prev; start receiving them for next, and only then read next's tlb_gen. */
  cpumask_switch(k, c, f) {
    const P = f.l.P as MmId;
    const next = f.l.next as MmId;
    if (P !== INIT_MM && P >= 0) k.mm(P).cpumask[c.id] = false;
    if (next !== INIT_MM) k.mm(next).cpumask[c.id] = true;
    f.l.next_gen = k.s.mms[next].tlb_gen;
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
  inc_mm_tlb_gen(k, _c, f) {
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
    f.l.covered = coveredChanges(k, mm, start, end);
    return 'flush_tlb_multi';
  },
  /** native_flush_tlb_multi: which CPUs get the IPI (should_flush_tlb), then the local flush. */
  flush_tlb_multi(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    const info = { mm, start: f.l.start, end: f.l.end, g: f.l.g, freed_tables: f.l.freed_tables };
    const targets: CpuId[] = [];
    let others = false;
    for (let i = 0; i < m.cpumask.length; i++) {
      if (!m.cpumask[i] || i === c.id) continue;
      others = true;
      if (should_flush_tlb(k, i, mm, f.l.freed_tables as boolean)) targets.push(i);
    }
    f.l.ipi = k.sendIpi(c.id, targets, 'flush_tlb_func@x86', info);
    const local = others ? m.cpumask[c.id] : k.s.cpus[c.id].loaded_mm === mm;
    if (!local) return 'wait_ipis';
    // The local flush runs with interrupts off, like the remote handlers.
    k.cpu(c.id).irqs_off++;
    return call('flush_tlb_func@x86', { ...info, local: true }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return 'wait_ipis';
  },
  wait_ipis: when(ipisDone, (k) => (k.s.config.mmu_notifier === 'v6.6' ? 'arch_invalidate_secondary_tlbs' : 'done')),
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

/**
 * should_flush_tlb(): ordered early returns, as in the kernel.
 * - freed_tables: every CPU in the mask, lazy ones included (page-table pages are about to be freed);
 * - a lazy CPU is skipped: it will catch up through tlb_gen when it switches back (4.20+);
 * - otherwise the CPU is flushed.
 */
export function should_flush_tlb(k: Kernel, c: CpuId, _mm: MmId, freedTables: boolean): boolean {
  const cfg = k.s.config;
  if (cfg.x86_lazy === 'v4.14') return true;
  if (freedTables && cfg.x86_freed_tables_ipi) return true;
  return !k.s.cpus[c].is_lazy;
}

defineFn('flush_tlb_func@x86', SRC, {
  flush_tlb_func(k, c, f) {
    const cpu = k.s.cpus[c.id];
    const mm = f.l.mm as MmId;
    if (!f.l.local && cpu.loaded_mm !== mm) return RET;
    if (cpu.loaded_mm === INIT_MM) return RET;
    if (cpu.is_lazy) {
      // Unlazy: switch to init_mm; current->active_mm still says mm.
      return call('switch_mm_irqs_off@x86', { prev: NONE, next: INIT_MM }, 'ret');
    }
    const a = cpu.tag;
    const localGen = cpu.ctxs[a].tlb_gen;
    const g = f.l.g as number;
    if (g <= localGen) return RET;
    const mmGen = k.s.mms[mm].tlb_gen;
    if (localGen === mmGen) return RET;
    const end = f.l.end as number;
    const partial = end >= 0 && g === localGen + 1 && g === mmGen;
    tlbInvalidate(k, c.id, a, mm, partial ? (f.l.start as number) : 0, partial ? end : -1);
    k.cpu(c.id).ctxs[a] = { ctx_id: cpu.ctxs[a].ctx_id, tlb_gen: mmGen };
    return RET;
  },
  ret: () => RET,
});

defineFn('tlb_flush@x86', 'arch/x86/include/asm/tlb.h', {
  tlb_flush(_k, _c, f) {
    const full = f.l.fullmm as boolean;
    return call('flush_tlb_mm_range@x86', { mm: f.l.mm, start: full ? 0 : f.l.start, end: full ? -1 : f.l.end, freed_tables: f.l.freed_tables }, 'ret');
  },
  ret: () => RET,
});

/** A non-current PCID slot that is behind its mm's tlb_gen or now belongs to another mm: flushed before reuse. */
function x86UnusableTag(k: Kernel, c: CpuId, e: { tag: number; mm: MmId }): boolean {
  const cpu = k.s.cpus[c];
  if (e.tag === cpu.tag && cpu.loaded_mm !== LOADED_MM_SWITCHING) return false;
  const m = k.s.mms[e.mm];
  const slot = cpu.ctxs[e.tag];
  if (!slot || slot.ctx_id !== m.ctx_id) return true;
  return slot.tlb_gen < m.tlb_gen;
}

export const x86: ArchPolicy = {
  name: 'x86',
  mmDetail: (m) => [['ctx_id', String(m.ctx_id)], ['tlb_gen', String(m.tlb_gen)]],
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@x86',
    enter_lazy_tlb: 'enter_lazy_tlb@x86',
    flush_tlb_mm_range: 'flush_tlb_mm_range@x86',
    tlb_flush: 'tlb_flush@x86',
    finish_arch_post_lock_switch: '',
  },
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
  secondaryInFlush: true,
  flushTlbMmFreesTables: true,
  walkCache: true,
  invariants: { cpuTlbstate: true },
  canSpeculate: speculatesWhenAttached,
  // a37259732a7d (Rik van Riel, 6.15): unconditional. 4.19–6.14: only with PARAVIRT, and bare metal still freed
  // tables with tlb_remove_page (native_tlb_remove_table): rcu_table_free "off" is that. 4.14–4.18: selected by
  // 9e52fc2b50de (Vitaly Kuznetsov, 2017; believed for every x86), before it never.
  rcuTableFree: () => ({ value: true, why: 'x86 selects MMU_GATHER_RCU_TABLE_FREE unconditionally since 6.15 (a37259732a7d)' }),
};
