/**
 * s390: arch/s390/include/asm/{mmu_context.h,tlbflush.h,tlb.h}, arch/s390/mm/pgtable.c.
 *
 * Rules (Martin Schwidefsky, T5 and the 2016 "safeguard against speculative TLB creation" change):
 * - a valid PTE of an mm attached to another CPU is changed only with IPTE (which invalidates on every CPU at once);
 *   if only this CPU is attached, a plain store and a deferred flush (flush_mm) will do;
 * - a page-table page is freed only after a flush (pte_free_tlb sets flush_mm);
 * - config.s390_rule '2016': switch_mm loads the invalid ASCE into CR7 at once, finish_arch_post_lock_switch loads
 *   the kernel ASCE on every switch and the user ASCE only if current->mm is set, so a kernel thread, lazy or not,
 *   has no user mm attached (the user ASCE is really loaded on the return to user space; the model loads it at the
 *   end of the switch);
 *   '2012': the user ASCE stays attached while lazy, and speculation is limited by config.speculative_fill; a PTE
 *   clear uses IPTE unless the mm is torn down, and switch_mm runs a pending flush_mm flush (as v3.6 did).
 *
 * Shortcuts, stated: cpu_attach_mask is shown as mm_cpumask; flush_count waiting, CSP and IDTE variants are folded into
 * one "invalidate this ASCE everywhere".
 *
 * The 2012 rule is read at v3.6 (S390_ERAS; the same code as 3.4 but for a page_table_lock that 3.4's
 * __tlb_flush_mm_cond took), and shows that release's names; where the model's steps differ from it, see
 * docs/scenario-format.md §10.4.
 */
import { RET, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { completeFlush, coveredChanges } from '../kernel/tlbflush.ts';
import { hwLoad, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { smp_mb } from '../kernel/barrier.ts';
import { INIT_MM, NONE, type Config, type CpuId, type Mm, type MmId } from '../model/types.ts';
import type { Decision, KernelEra } from '../engine/policy.ts';
import { defineArch, type ArchPolicy } from './policy.ts';

const SRC = 'arch/s390/include/asm/mmu_context.h';

defineFn('switch_mm_irqs_off@s390', SRC, {
  switch_mm_irqs_off(k, c, f) {
    const prev = f.l.prev as MmId;
    const next = f.l.next as MmId;
    const cpu = k.cpu(c.id);
    cpu.user_asce = next;
    if (next !== INIT_MM) k.mm(next).cpumask[c.id] = true;
    k.s.counters.cr3Writes++;
    // Loading a control register serialises: the switch_mm barrier __schedule's membarrier comment credits s390 with.
    smp_mb(k, c.id);
    if (k.s.config.s390_rule === '2016') hwLoad(k, c.id, INIT_MM, 0); // the invalid ASCE, at once
    else {
      hwLoad(k, c.id, next, next === INIT_MM ? 0 : k.s.mms[next].ctx_id);
      // 3.6's switch_mm: a flush still pending for the next mm runs now (__tlb_flush_mm; flush_mm stays set).
      if (next !== INIT_MM && k.s.mms[next].flush_mm) {
        k.decided(SWITCH_FLUSH_2012, c.id);
        for (const cpu of k.s.cpus) tlbInvalidate(k, cpu.id, k.s.mms[next].ctx_id, next, 0, -1);
      }
    }
    if (prev !== next && prev > INIT_MM && k.s.mms[prev].state !== 'freed') k.mm(prev).cpumask[c.id] = false;
    return RET;
  },
});

defineFn('finish_arch_post_lock_switch@s390', SRC, {
  /**
   * 2016 rule: the kernel ASCE is loaded on every switch, so a kernel thread (lazy or not) has no user mm attached;
   * the user ASCE comes back only if the task has an mm, after a pending deferred flush.
   */
  finish_arch_post_lock_switch(k, c) {
    const t = k.s.tasks[c.curr];
    if (k.s.config.s390_rule !== '2016') return RET;
    if (k.s.cpus[c.id].loaded_mm !== INIT_MM) hwLoad(k, c.id, INIT_MM, 0);
    if (t.mm === NONE) return RET;
    const d = postSwitchFlushDecision(k.s.mms[t.mm]);
    k.decided(d, c.id);
    if (d.flush) flushMmEverywhere(k, c.id, t.mm);
    k.s.counters.cr3Writes++;
    const asce = k.s.cpus[c.id].user_asce; // lowcore user_asce, set by switch_mm
    hwLoad(k, c.id, asce, k.s.mms[asce].ctx_id);
    return RET;
  },
});

defineFn('enter_lazy_tlb@s390', SRC, {
  enter_lazy_tlb: () => RET,
});

/** __tlb_flush_mm: IDTE for the ASCE, reaching every CPU. */
function flushMmEverywhere(k: Kernel, _c: CpuId, mm: MmId, start = 0, end = -1): void {
  for (const cpu of k.s.cpus) tlbInvalidate(k, cpu.id, k.s.mms[mm].ctx_id, mm, start, end);
  k.mm(mm).flush_mm = false;
}

defineFn('flush_tlb_mm_range@s390', 'arch/s390/include/asm/tlbflush.h', {
  __tlb_flush_mm(k, c, f) {
    const mm = f.l.mm as MmId;
    const covered = coveredChanges(k, mm, f.l.start as number, f.l.end as number);
    flushMmEverywhere(k, c.id, mm);
    completeFlush(k, c.id, mm, covered, null);
    return RET;
  },
});

defineFn('tlb_flush@s390', 'arch/s390/include/asm/tlb.h', {
  /** __tlb_flush_mm_lazy: flush only if a deferred flush is pending (PTEs changed with plain stores, or tables freed). */
  __tlb_flush_mm_lazy(k, c, f) {
    const mm = f.l.mm as MmId;
    const covered = coveredChanges(k, mm, 0, -1);
    const d = lazyFlushDecision(k.s.mms[mm], k.s.config.s390_rule);
    k.decided(d);
    if (d.flush) flushMmEverywhere(k, c.id, mm);
    completeFlush(k, c.id, mm, covered, null);
    return RET;
  },
});

/**
 * A PTE change of mm on CPU c (ptep_flush_lazy / ptep_get_and_clear_full, arch/s390/mm/pgtable.c): IPTE at once when
 * another CPU is attached, else a plain store and a deferred flush (flush_mm). Pure. The 2012 rule (v3.6,
 * arch/s390/include/asm/pgtable.h): the two paths the model has, the zap (ptep_get_and_clear_full) and
 * ptep_clear_flush, used IPTE whoever was attached unless the mm was torn down (fullmm); only ptep_get_and_clear,
 * ptep_modify_prot_start and ptep_set_wrprotect deferred, when mm_exclusive() held, and the model has none of them.
 */
export function pteClearDecision(m: Readonly<Mm>, c: CpuId, fullmm: boolean, rule: Config['s390_rule'] = '2016'): Decision & { ipte: boolean } {
  if (rule === '2012') return fullmm ? PTE_CLEAR_2012.fullmm : PTE_CLEAR_2012.ipte;
  if (fullmm) return PTE_CLEAR.fullmm;
  return m.cpumask.some((on, i) => on && i !== c) ? PTE_CLEAR.ipte : PTE_CLEAR.defer;
}

const PTE_CLEAR = {
  fullmm: { ipte: false, decision: 'defer (flush_mm)', reason: 'fullmm: the mm is torn down, plain store, flushed at the end (ptep_get_and_clear_full)' },
  ipte: { ipte: true, decision: 'IPTE', reason: 'another CPU is attached: invalidate on every CPU at once (ptep_flush_lazy)' },
  defer: { ipte: false, decision: 'defer (flush_mm)', reason: 'cpu_attach_mask is this CPU only: plain store, flush_mm set (ptep_flush_lazy)' },
} as const;

const PTE_CLEAR_2012 = {
  fullmm: { ipte: false, decision: 'defer (flush_mm)', reason: 'fullmm: the mm is torn down, plain store without IPTE (ptep_get_and_clear_full), flushed at the end' },
  ipte: { ipte: true, decision: 'IPTE', reason: 'not a fullmm teardown: IPTE invalidates on every CPU at once, whoever is attached (ptep_get_and_clear_full, ptep_clear_flush: __ptep_ipte)' },
} as const;

const SWITCH_FLUSH_2012: Decision = { decision: 'flush (IDTE)', reason: 'flush_mm set for the next mm: flush it before running it (switch_mm: __tlb_flush_mm)' };

/** __tlb_flush_mm_lazy (2012 rule: __tlb_flush_mm_cond, the same test): flush only when a deferred flush is pending. Pure. */
export function lazyFlushDecision(m: Readonly<Mm>, rule: Config['s390_rule'] = '2016'): Decision & { flush: boolean } {
  const r = rule === '2012' ? LAZY_FLUSH_2012 : LAZY_FLUSH;
  return m.flush_mm ? r.flush : r.none;
}

/** The two outcomes of the test, named after the function that makes it in the rule's era (constant texts). */
const lazyFlushOutcomes = (fn: string) => ({
  flush: { flush: true, decision: 'flush (IDTE)', reason: `flush_mm set: PTEs changed with plain stores or tables freed (${fn})` },
  none: { flush: false, decision: 'no flush', reason: `flush_mm clear: every PTE change was an IPTE (${fn})` },
});
const LAZY_FLUSH = lazyFlushOutcomes('__tlb_flush_mm_lazy');
const LAZY_FLUSH_2012 = lazyFlushOutcomes('__tlb_flush_mm_cond');

/**
 * 2016 rule, after the switch to a task with an mm (finish_arch_post_lock_switch, arch/s390/include/asm/mmu_context.h):
 * a deferred flush still pending for the mm (flush_mm) runs before the user ASCE is loaded (__tlb_flush_mm; later
 * kernels call __tlb_flush_mm_lazy, the same test). Pure.
 */
export function postSwitchFlushDecision(m: Readonly<Mm>): Decision & { flush: boolean } {
  return m.flush_mm
    ? { flush: true, decision: 'flush (IDTE)', reason: 'flush_mm set: the deferred flush runs before the user ASCE is loaded (finish_arch_post_lock_switch: __tlb_flush_mm)' }
    : { flush: false, decision: 'no flush', reason: 'flush_mm clear: no deferred flush pending for the mm (finish_arch_post_lock_switch)' };
}

/**
 * The releases the s390 rules are read at. 2012: v3.6 (checked against its arch/s390/include/asm/mmu_context.h,
 * tlbflush.h, tlb.h and pgtable.h; 3.4 has the same functions). There:
 * - switch_mm (no switch_mm_irqs_off: context_switch called switch_mm) sets the CPU in mm_cpumask, loads the user
 *   ASCE (update_mm), moves attach_count from prev to next, and runs __tlb_flush_mm if next has flush_mm pending;
 * - s390 defines no finish_arch_post_lock_switch: finish_task_switch runs the generic empty default of
 *   kernel/sched/sched.h (the model's step does nothing under this rule);
 * - tlb_gather_mmu of a fullmm gather calls __tlb_flush_mm itself (the up-front flush the 2012 patch generalised),
 *   and the flush of a pending flush_mm is __tlb_flush_mm_cond (flush_tlb_mm, flush_tlb_range); there is no
 *   __tlb_flush_mm_lazy, tlb_flush or flush_tlb_mm_range on s390 then;
 * - s390 had its own mmu_gather, inlines of asm/tlb.h (no generic mm/memory.c one): tlb_flush_mmu and tlb_finish_mmu
 *   only ran tlb_table_flush (pages were freed at once, the TLB flushed by IPTE or up front), so the model's
 *   tlb_flush_mmu_tlbonly step stands for no code there and its tlb_flush_mmu_free is tlb_table_flush.
 */
const S390_ERAS: Record<Config['s390_rule'], KernelEra> = {
  '2012': {
    version: 'v3.6',
    rename: {
      switch_mm_irqs_off: 'switch_mm',
      'switch_mm_irqs_off.switch_mm_irqs_off': 'switch_mm',
      flush_tlb_mm_range: '__tlb_flush_mm',
      tlb_flush: '__tlb_flush_mm_cond',
      'tlb_flush.__tlb_flush_mm_lazy': '__tlb_flush_mm_cond',
      'tlb_gather_mmu.flush_tlb_mm_upfront': '__tlb_flush_mm',
      'tlb_flush_mmu.tlb_flush_mmu_tlbonly': '<tlb_flush_mmu_tlbonly>',
      'tlb_flush_mmu.tlb_flush_mmu_free': 'tlb_table_flush',
    },
    src: {
      finish_arch_post_lock_switch: 'kernel/sched/sched.h',
      tlb_flush: 'arch/s390/include/asm/tlbflush.h',
      tlb_gather_mmu: 'arch/s390/include/asm/tlb.h',
      tlb_flush_mmu: 'arch/s390/include/asm/tlb.h',
      tlb_finish_mmu: 'arch/s390/include/asm/tlb.h',
    },
  },
  '2016': { version: 'v6.12' },
};

export const s390: ArchPolicy = defineArch({
  name: 's390',
  /** 2012: attach_count, the number of CPUs the mm is attached to (what the model's mm_cpumask stands for then). */
  mmDetail: (m, cfg) => [
    ['flush_mm', String(m.flush_mm)],
    ...(cfg.s390_rule === '2012' ? [['attach_count', String(m.cpumask.filter(Boolean).length)] as [string, string]] : []),
  ],
  era: (cfg) => S390_ERAS[cfg.s390_rule],
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@s390',
    enter_lazy_tlb: 'enter_lazy_tlb@s390',
    flush_tlb_mm_range: 'flush_tlb_mm_range@s390',
    tlb_flush: 'tlb_flush@s390',
    finish_arch_post_lock_switch: 'finish_arch_post_lock_switch@s390',
  },
  rcuTableFree: () => ({ value: true, why: 's390 selects MMU_GATHER_RCU_TABLE_FREE (IPTE/IDTE invalidations send no IPI)' }),
  /** ptep_xchg_lazy / ptep_get_and_clear_full: IPTE if another CPU is attached, else a plain store + flush_mm. */
  pteClear(k, c, mm, va, fullmm) {
    const m = k.s.mms[mm];
    const d = pteClearDecision(m, c, fullmm, k.s.config.s390_rule);
    k.decided(d);
    if (!d.ipte) {
      k.mm(mm).flush_mm = true;
      return;
    }
    for (const cpu of k.s.cpus) tlbInvalidate(k, cpu.id, m.ctx_id, mm, va, va + 1);
  },
  pteFreeTlb(k, _c, mm) {
    k.mm(mm).flush_mm = true;
  },
});
