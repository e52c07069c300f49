/**
 * arm64: arch/arm64/mm/context.c, arch/arm64/include/asm/{mmu_context.h,tlbflush.h,tlb.h}.
 *
 * TTBR0 holds {ASID, pgd}. enter_lazy_tlb only changes the saved TTBR0 used by SW-PAN: the hardware TTBR0 and ASID
 * stay, so a lazy CPU keeps the user mm attached and can speculatively walk it. TLB invalidation is broadcast in
 * hardware (TLBI ...IS) by ASID: every CPU, no IPI, no reliance on mm_users. arm64 does not maintain mm_cpumask.
 *
 * Shortcuts, stated: ASIDs are per-mm and never roll over (no generation rollover, no reserved_asids); the reserved
 * TTBR0 used for init_mm is shown as init_mm.
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { completeFlush, coveredChanges, invalidateSecondaryTlbs } from '../kernel/tlbflush.ts';
import { hwLoad, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { INIT_MM, type MmId } from '../model/types.ts';
import { speculatesWhenAttached, type ArchPolicy } from './policy.ts';

defineFn('switch_mm_irqs_off@arm64', 'arch/arm64/include/asm/mmu_context.h', {
  switch_mm_irqs_off(_k, _c, f) {
    if (f.l.prev === f.l.next) return RET;
    return 'check_and_switch_context';
  },
  /** init_mm: the reserved (empty) TTBR0; otherwise the mm's ASID and pgd. */
  check_and_switch_context(k, c, f) {
    const next = f.l.next as MmId;
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, next, next === INIT_MM ? 0 : k.s.mms[next].ctx_id);
    return RET;
  },
});

defineFn('enter_lazy_tlb@arm64', 'arch/arm64/include/asm/mmu_context.h', {
  enter_lazy_tlb: () => RET, // only the saved TTBR0 for SW-PAN changes
});

defineFn('flush_tlb_mm_range@arm64', 'arch/arm64/include/asm/tlbflush.h', {
  dsb_ishst(k, _c, f) {
    f.l.covered = coveredChanges(k, f.l.mm as MmId, f.l.start as number, f.l.end as number);
    return 'tlbi_is';
  },
  /** TLBI by ASID, inner-shareable: reaches every CPU's TLB and walk cache. */
  tlbi_is(k, _c, f) {
    const mm = f.l.mm as MmId;
    for (const cpu of k.s.cpus) tlbInvalidate(k, cpu.id, k.s.mms[mm].ctx_id, mm, f.l.start as number, f.l.end as number);
    return 'dsb_ish';
  },
  dsb_ish(k, c, f) {
    const mm = f.l.mm as MmId;
    if (k.s.config.mmu_notifier === 'v6.6') invalidateSecondaryTlbs(k, mm, f.l.start as number, f.l.end as number);
    completeFlush(k, c.id, mm, f.l.covered as number[], null);
    return RET;
  },
});

defineFn('tlb_flush@arm64', 'arch/arm64/include/asm/tlb.h', {
  tlb_flush(_k, _c, f) {
    const full = f.l.fullmm as boolean;
    return call('flush_tlb_mm_range@arm64', { mm: f.l.mm, start: full ? 0 : f.l.start, end: full ? -1 : f.l.end, freed_tables: f.l.freed_tables }, 'ret');
  },
  ret: () => RET,
});

export const arm64: ArchPolicy = {
  traceEvidence: 'ipi-raise',
  name: 'arm64',
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@arm64',
    enter_lazy_tlb: 'enter_lazy_tlb@arm64',
    flush_tlb_mm_range: 'flush_tlb_mm_range@arm64',
    tlb_flush: 'tlb_flush@arm64',
    finish_arch_post_lock_switch: '',
  },
  returnSerializes: () => true,
  i8Tolerated: () => false,
  unusableTag: () => false,
  secondaryInFlush: true,
  flushTlbMmFreesTables: false,
  walkCache: true,
  canSpeculate: speculatesWhenAttached,
  rcuTableFree: () => ({ value: true, why: 'arm64 selects MMU_GATHER_RCU_TABLE_FREE (since 3.18, for GUP-fast: its TLBI broadcasts send no IPI)' }),
};
