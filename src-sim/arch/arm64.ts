/**
 * arm64: arch/arm64/mm/context.c, arch/arm64/include/asm/{mmu_context.h,tlbflush.h,tlb.h}.
 *
 * TTBR0 holds {ASID, pgd}. enter_lazy_tlb only changes the saved TTBR0 used by SW-PAN: the hardware TTBR0 and ASID
 * stay, so a lazy CPU keeps the user mm attached and can speculatively walk it. TLB invalidation is broadcast in
 * hardware (TLBI ...IS) by ASID: every CPU, no IPI, no reliance on mm_users. arm64 does not maintain mm_cpumask.
 *
 * ASIDs: by default each mm has one ASID for ever (its ctx_id) and nothing rolls over. With a bounded ASID space
 * (`config.asid_bits`) check_and_switch_context runs the kernel's allocator with generations, reserved ASIDs and
 * tlb_flush_pending (arm64_context.ts); TLBI then uses the mm's current ASID number, ASID(mm).
 *
 * Shortcuts, stated: the reserved TTBR0 used for init_mm is shown as init_mm (ASID 0).
 */
import { RET, defineFn } from '../engine/fn.ts';
import { completeFlush, coveredChanges, invalidateSecondaryTlbs } from '../kernel/tlbflush.ts';
import { hwLoad, tlbFlushAll, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { smp_mb } from '../kernel/barrier.ts';
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, type MmId } from '../model/types.ts';
import { asidConfigError, asidOf, asidFlushPendingDecision, asidNewContextDecision, asidPathDecision, asidsInit, generationOf, newContext, takeFlushPending } from './arm64_context.ts';
import { defineArch, defineTlbFlush, type ArchPolicy } from './policy.ts';

/** ASID(mm): the number TLBI by ASID uses (the low bits of context.id; unbounded, the mm's one ASID). */
function asidOfMm(k: Kernel, mm: MmId): number {
  return k.s.config.asid_bits ? asidOf(k, k.s.mms[mm].context_id) : k.s.mms[mm].ctx_id;
}

defineFn('switch_mm_irqs_off@arm64', 'arch/arm64/include/asm/mmu_context.h', {
  switch_mm_irqs_off(_k, _c, f) {
    if (f.l.prev === f.l.next) return RET;
    return 'check_and_switch_context';
  },
  /**
   * init_mm: the reserved (empty) TTBR0; otherwise the mm's ASID and pgd. With a bounded ASID space, the fast path:
   * the mm's ASID is of the current generation and this CPU's active_asids was not zeroed by a rollover since its
   * last switch (cmpxchg); else the slow path.
   */
  check_and_switch_context(k, c, f) {
    const next = f.l.next as MmId;
    if (!k.s.config.asid_bits || next === INIT_MM) {
      k.s.counters.cr3Writes++;
      hwLoad(k, c.id, next, next === INIT_MM ? 0 : k.s.mms[next].ctx_id);
      if (k.s.config.asid_bits) k.cpu(c.id).asid_gen = 0;
      return RET;
    }
    const ctx = k.s.mms[next].context_id;
    const d = asidPathDecision(k.s, c.id, ctx);
    k.decided(d, c.id);
    if (d.fast) {
      k.cpu(c.id).active_asids = ctx;
      f.l.ctx = ctx;
      return 'cpu_switch_mm';
    }
    return 'cpu_asid_lock';
  },
  /**
   * The slow path, under cpu_asid_lock (one atomic step): a new context if the mm's generation is stale (which may
   * roll the generation over), the local TLB flush a rollover left pending for this CPU, then active_asids.
   */
  cpu_asid_lock(k, c, f) {
    const next = f.l.next as MmId;
    let ctx = k.s.mms[next].context_id;
    const fresh = asidNewContextDecision(k.s, ctx);
    if (fresh) {
      k.decided(fresh, c.id);
      ctx = newContext(k, next);
      k.mm(next).context_id = ctx;
    }
    const flush = asidFlushPendingDecision(k.s, c.id);
    if (flush) k.decided(flush, c.id);
    if (takeFlushPending(k, c.id)) tlbFlushAll(k, c.id);
    k.cpu(c.id).active_asids = ctx;
    f.l.ctx = ctx;
    return 'cpu_switch_mm';
  },
  /** TTBR0 := {ASID, pgd}. */
  cpu_switch_mm(k, c, f) {
    const ctx = f.l.ctx as number;
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, f.l.next as MmId, asidOf(k, ctx));
    k.cpu(c.id).asid_gen = generationOf(k, ctx);
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
  /**
   * TLBI by ASID(mm), inner-shareable: reaches every CPU's TLB and walk cache, under that ASID only. A CPU that runs
   * the mm under another ASID (possible only with arm64_reserved_asids off) keeps its entries and its walks.
   */
  tlbi_is(k, _c, f) {
    const mm = f.l.mm as MmId;
    const asid = asidOfMm(k, mm);
    for (const cpu of k.s.cpus) {
      const missed = cpu.loaded_mm === mm && cpu.tag !== asid;
      tlbInvalidate(k, cpu.id, asid, missed ? INIT_MM : mm, f.l.start as number, f.l.end as number);
    }
    return 'dsb_ish';
  },
  dsb_ish(k, c, f) {
    smp_mb(k, c.id); // DSB ISH: a full barrier
    const mm = f.l.mm as MmId;
    if (k.s.config.mmu_notifier === 'v6.6') invalidateSecondaryTlbs(k, mm, f.l.start as number, f.l.end as number);
    completeFlush(k, c.id, mm, f.l.covered as number[], null);
    return RET;
  },
});

defineTlbFlush('arm64', 'arch/arm64/include/asm/tlb.h', true);

export const arm64: ArchPolicy = defineArch({
  traceEvidence: 'ipi-raise',
  name: 'arm64',
  switchBarrier: 'switch_to',
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@arm64',
    enter_lazy_tlb: 'enter_lazy_tlb@arm64',
    flush_tlb_mm_range: 'flush_tlb_mm_range@arm64',
    tlb_flush: 'tlb_flush@arm64',
  },
  /**
   * After a rollover, a CPU still in tlb_flush_pending flushes its whole TLB before it loads another ASID (its next
   * switch takes the slow path: its active_asids was zeroed), so its entries under other tags are never used again.
   */
  unusableTag: (k, c, e) => !!k.s.asid_alloc?.tlb_flush_pending[c] && e.tag !== k.s.cpus[c].tag,
  secondaryInFlush: true,
  rcuTableFree: () => ({ value: true, why: 'arm64 selects MMU_GATHER_RCU_TABLE_FREE (since 3.18, for GUP-fast: its TLBI broadcasts send no IPI)' }),
  /** With a bounded ASID space: mm->context.id as generation and ASID. */
  mmDetail: (m, config) => {
    if (!m.context_id) return [];
    const n = 2 ** config.asid_bits;
    return [['context.id', `generation ${Math.floor(m.context_id / n)}, ASID ${m.context_id % n}`]];
  },
  initState: asidsInit,
  configError: asidConfigError,
});
