/**
 * alpha (EV5 and later): arch/alpha/kernel/smp.c (flush_tlb_mm, flush_tlb_page, ipi_flush_tlb_mm,
 * ipi_flush_tlb_page), arch/alpha/include/asm/{mmu_context.h,tlbflush.h,tlb.h}.
 *
 * Each CPU keeps an ASN per mm (mm->context[cpu], 0 = none; shown as the CPU's `asid_of`). ev5_switch_mm keeps the
 * mm's ASN if it has one on this CPU, else allocates a new one. The flush IPI handlers do not look at the hardware:
 * they test `current->active_mm`. If the mm is the CPU's active_mm they flush "the current TLB set": the whole mm by
 * loading a new ASN for it (__load_new_mm_context, which also loads the mm into the MMU), one page by tbi() under the
 * ASN in the hardware now. Otherwise they only drop the mm's context on this CPU (flush_tlb_other), so it gets a new
 * ASN the next time it switches to the mm. The initiator flushes itself the same way when the mm is its active_mm and,
 * with mm_users <= 1, only drops the other CPUs' contexts (the T2 shortcut). tlb_flush is flush_tlb_mm and
 * flush_tlb_range flushes the whole mm; only ptep_clear_flush (cow, reclaim) flushes one page.
 *
 * The hazard this arch shows: a kernel thread that has set active_mm to M but not yet switched (the old use_mm window,
 * interrupts on) takes the page-flush IPI for M, and tbi() invalidates the page under the previous mm's ASN; M's entry
 * under M's own ASN survives, and the switch that follows reuses that ASN (Peter Zijlstra's 2020 fix, 38cf307c1f20,
 * keeps interrupts off across the two).
 *
 * Shortcuts, stated: asn_lock (set by ev5_switch_mm until check_mmu_context after the context switch, which makes the
 * handlers drop the context instead) is not modelled, nor ASN versions and rollover (tbiap), EV4's broken ASNs, the
 * icache (VM_EXEC pages), the PCB (switch_mm loads the MMU at once; enter_lazy_tlb's ptbr update is not shown);
 * mm_cpumask is not maintained; no speculative fills and no walk cache (PALcode-refilled TB). Entries under an
 * abandoned ASN are dropped when the CPU gives it up, unless the CPU has that ASN loaded right now.
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { completeFlush, coveredChanges } from '../kernel/tlbflush.ts';
import { hwLoad, tlbDropTag, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { INIT_MM, type Cpu, type CpuId, type Frame, type Mm, type MmId, type TaskId } from '../model/types.ts';
import type { Decision } from '../engine/policy.ts';
import { defineArch, type ArchPolicy } from './policy.ts';

const SMP = 'arch/alpha/kernel/smp.c';
const CTX = 'arch/alpha/include/asm/mmu_context.h';

/**
 * __get_new_mm_context: a fresh ASN for mm on this CPU, which both callers load at once; the entries under the old
 * one are unreachable from then on (dropped here).
 */
function newContext(k: Kernel, c: CpuId, mm: MmId): number {
  const cpu = k.cpu(c);
  const old = cpu.asid_of[mm] ?? 0;
  if (old) tlbDropTag(k, c, old);
  const asn = cpu.asid_next++;
  cpu.asid_of = { ...cpu.asid_of, [mm]: asn };
  return asn;
}

/** flush_tlb_other: mm->context[cpu] = 0, so the next switch to mm on this CPU takes a new ASN. */
function flushTlbOther(k: Kernel, c: CpuId, mm: MmId): void {
  const cpu = k.s.cpus[c];
  const old = cpu.asid_of[mm] ?? 0;
  if (!old) return;
  const w = k.cpu(c);
  w.asid_of = { ...w.asid_of, [mm]: 0 };
  // Still reachable while that ASN is loaded (the hole of every "drop the context" flush)
  if (w.tag !== old) tlbDropTag(k, c, old);
  k.s.counters.flushes++;
}

/**
 * flush_tlb_current(mm) (va < 0): __load_new_mm_context, a new ASN for mm loaded into the MMU with mm's page tables.
 * flush_tlb_current_page(mm, va): tbi(2, va), which invalidates va under the ASN the hardware has now, whatever mm
 * that ASN belongs to.
 */
function flushTlbCurrent(k: Kernel, c: CpuId, mm: MmId, va: number): void {
  if (va < 0) {
    const asn = newContext(k, c, mm);
    k.s.counters.cr3Writes++;
    hwLoad(k, c, mm, asn);
    return;
  }
  const cpu = k.s.cpus[c];
  tlbInvalidate(k, c, cpu.tag, cpu.loaded_mm, va, va + 1);
}

/** What alpha's flush decisions read: a working state or a snapshot. */
type AlphaState = { readonly cpus: ReadonlyArray<{ readonly curr: TaskId }>; readonly tasks: ReadonlyArray<{ readonly active_mm: MmId }> };

/** The flush's and the handlers' test: is mm this CPU's current->active_mm? (asn_lock not modelled.) */
function isActiveMm(s: AlphaState, c: CpuId, mm: MmId): boolean {
  return s.tasks[s.cpus[c].curr].active_mm === mm;
}

/** flush_tlb_mm / flush_tlb_page: flush here first only if mm is current->active_mm. Pure. */
export function alphaLocalDecision(s: AlphaState, c: CpuId, mm: MmId): Decision & { local: boolean } {
  return isActiveMm(s, c, mm)
    ? { local: true, decision: 'flush current TLB set', reason: 'mm == current->active_mm (flush_tlb_mm: flush_tlb_current)' }
    : { local: false, decision: 'IPI every other CPU', reason: 'mm != current->active_mm: nothing to flush here (flush_tlb_mm)' };
}

/** After the local flush: mm_users <= 1 drops the other CPUs' contexts instead of sending IPIs (the T2 shortcut). Pure. */
export function alphaUsersDecision(m: Readonly<Mm>): Decision & { zero: boolean } {
  return m.mm_users <= 1
    ? { zero: true, decision: 'zero other contexts, no IPI', reason: 'mm_users <= 1: the other CPUs only lose mm->context[cpu] (flush_tlb_mm)' }
    : { zero: false, decision: 'IPI every other CPU', reason: 'mm_users > 1 (flush_tlb_mm: smp_call_function)' };
}

/** A flush IPI on CPU c: flush "the current TLB set" if mm is its current->active_mm, else drop its context. Pure. */
export function alphaIpiDecision(s: AlphaState, c: CpuId, mm: MmId, handler: 'ipi_flush_tlb_mm' | 'ipi_flush_tlb_page'): Decision & { current: boolean } {
  return isActiveMm(s, c, mm)
    ? { current: true, decision: 'flush current TLB set', reason: `mm == current->active_mm (${handler})` }
    : { current: false, decision: 'drop context', reason: `mm != current->active_mm: flush_tlb_other (${handler})` };
}

defineFn('switch_mm_irqs_off@alpha', CTX, {
  /** ev5_switch_mm: keep the mm's ASN on this CPU if it has one (its TB entries stay usable), else a new one. */
  switch_mm_irqs_off(k, c, f) {
    const next = f.l.next as MmId;
    let asn = 0;
    if (next !== INIT_MM) asn = k.s.cpus[c.id].asid_of[next] || newContext(k, c.id, next);
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, next, asn);
    return RET;
  },
});

defineFn('enter_lazy_tlb@alpha', CTX, {
  enter_lazy_tlb: () => RET, // only the PCB's ptbr; the MMU keeps the mm and its ASN
});

defineFn('flush_tlb_mm_range@alpha', SMP, {
  /** flush_tlb_page for one page (ptep_clear_flush), else flush_tlb_mm. The local flush only if mm is current->active_mm. */
  flush_tlb_mm_range(k, c, f) {
    const mm = f.l.mm as MmId;
    const start = f.l.start as number;
    const end = f.l.end as number;
    f.l.covered = coveredChanges(k, mm, start, end);
    f.l.va = end === start + 1 ? start : -1;
    const d = alphaLocalDecision(k.s, c.id, mm);
    k.decided(d);
    return d.local ? 'flush_tlb_current' : 'smp_call_function';
  },
  flush_tlb_current(k, c, f) {
    const mm = f.l.mm as MmId;
    flushTlbCurrent(k, c.id, mm, f.l.va as number);
    const d = alphaUsersDecision(k.s.mms[mm]);
    k.decided(d);
    return d.zero ? 'zero_other_contexts' : 'smp_call_function';
  },
  /** mm_users <= 1: the other CPUs only lose their context for the mm; no IPI. */
  zero_other_contexts(k, c, f) {
    const mm = f.l.mm as MmId;
    for (const cpu of k.s.cpus) if (cpu.id !== c.id) flushTlbOther(k, cpu.id, mm);
    completeFlush(k, c.id, mm, f.l.covered as number[], 'mm_users <= 1 and mm is current->active_mm: other CPUs only had their context dropped');
    return RET;
  },
  smp_call_function(k, c, f) {
    const targets: CpuId[] = [];
    for (const cpu of k.s.cpus) if (cpu.id !== c.id) targets.push(cpu.id);
    const page = (f.l.va as number) >= 0;
    f.l.ipi = k.sendIpi(c.id, targets, page ? 'ipi_flush_tlb_page@alpha' : 'ipi_flush_tlb_mm@alpha', { mm: f.l.mm, va: f.l.va });
    return 'wait';
  },
  wait: when(ipisDone, () => 'done'),
  done(k, c, f) {
    completeFlush(k, c.id, f.l.mm as MmId, f.l.covered as number[], null);
    return RET;
  },
});

/**
 * The flush IPI handlers, whole mm (`ipi_flush_tlb_mm`) or one page (`ipi_flush_tlb_page`, tbi() under the ASN in the
 * hardware now): if the mm is current->active_mm, flush; otherwise only drop this CPU's context for it.
 */
for (const [name, page] of [['ipi_flush_tlb_mm', false], ['ipi_flush_tlb_page', true]] as const) {
  defineFn(`${name}@alpha`, SMP, {
    [name](k: Kernel, c: Cpu, f: Frame) {
      const mm = f.l.mm as MmId;
      const d = alphaIpiDecision(k.s, c.id, mm, name);
      k.decided(d, c.id);
      if (d.current) flushTlbCurrent(k, c.id, mm, page ? (f.l.va as number) : -1);
      else flushTlbOther(k, c.id, mm);
      return RET;
    },
  });
}

defineFn('tlb_flush@alpha', 'arch/alpha/include/asm/tlb.h', {
  tlb_flush: (_k, _c, f) => call('flush_tlb_mm_range@alpha', { mm: f.l.mm, start: 0, end: -1 }, 'ret'),
  ret: () => RET,
});

export const alpha: ArchPolicy = defineArch({
  name: 'alpha',
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@alpha',
    enter_lazy_tlb: 'enter_lazy_tlb@alpha',
    flush_tlb_mm_range: 'flush_tlb_mm_range@alpha',
    tlb_flush: 'tlb_flush@alpha',
  },
  // arch_spin_unlock is mb() then the store: finish_lock_switch is the full barrier after the rq->curr store
  switchBarrier: 'finish_lock_switch',
  /**
   * No speculative fills, so an entry is only ever used by the mm's own code: now (its ASN is loaded and the running
   * task uses the mm) or after a later switch (its ASN is still this CPU's context for the mm).
   */
  unusableTag: (k, c, e) => {
    const cpu = k.s.cpus[c];
    const now = cpu.tag === e.tag && k.s.tasks[cpu.curr].mm === e.mm;
    return !now && (cpu.asid_of[e.mm] ?? 0) !== e.tag;
  },
  walkCache: false,
  canSpeculate: () => false,
});
