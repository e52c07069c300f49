/**
 * A generic software-refilled ASID architecture, modelled on mips without MMID (arch/mips/kernel/smp.c) and sh
 * (arch/sh/kernel/smp.c).
 *
 * Each CPU keeps an ASID per mm (cpu_context(cpu, mm), 0 = none). switch_mm allocates one if needed and maintains
 * mm_cpumask. flush_tlb_mm / flush_tlb_range: if mm_users == 1 and current->mm == mm, flush locally and zero every
 * other CPU's context for the mm (they get a new ASID the next time they switch to it); otherwise IPI every other CPU.
 * A CPU that has the mm loaded right now keeps its old ASID and its entries: the T2 variant on these arches.
 *
 * Shortcuts, stated: no speculative fills (software refill; UNSURE per core, see kernel-semantics.md 1.6); no ASID
 * version rollover; entries under an abandoned ASID are dropped when the CPU next allocates one for that mm.
 */
import { RET, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { completeFlush, coveredChanges } from '../kernel/tlbflush.ts';
import { hwLoad, tlbDropTag, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { INIT_MM, type CpuId, type MmId } from '../model/types.ts';
import { defineArch, defineTlbFlush, type ArchPolicy } from './policy.ts';

const SMP = 'arch/mips/kernel/smp.c';

/** get_new_mmu_context: a fresh ASID for mm on this CPU. */
function newContext(k: Kernel, c: CpuId, mm: MmId): number {
  const cpu = k.cpu(c);
  const old = cpu.asid_of[mm] ?? 0;
  if (old) tlbDropTag(k, c, old);
  const asid = cpu.asid_next++;
  cpu.asid_of = { ...cpu.asid_of, [mm]: asid };
  return asid;
}

defineFn('switch_mm_irqs_off@mips', 'arch/mips/include/asm/mmu_context.h', {
  switch_mm_irqs_off(k, c, f) {
    const prev = f.l.prev as MmId;
    const next = f.l.next as MmId;
    let asid = 0;
    if (next !== INIT_MM) {
      asid = k.s.cpus[c.id].asid_of[next] ?? 0;
      if (!asid) asid = newContext(k, c.id, next);
    }
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, next, asid);
    if (prev > INIT_MM && prev !== next && k.s.mms[prev].state !== 'freed') k.mm(prev).cpumask[c.id] = false;
    if (next !== INIT_MM) k.mm(next).cpumask[c.id] = true;
    return RET;
  },
});

defineFn('enter_lazy_tlb@mips', 'arch/mips/include/asm/mmu_context.h', {
  enter_lazy_tlb: () => RET,
});

/** local_flush_tlb_range / local_flush_tlb_mm on one CPU: drop the entries under this CPU's ASID for mm. */
function localFlush(k: Kernel, c: CpuId, mm: MmId, start: number, end: number): void {
  const asid = k.s.cpus[c].asid_of[mm] ?? 0;
  if (asid) tlbInvalidate(k, c, asid, mm, start, end);
  else k.s.counters.flushes++;
}

defineFn('flush_tlb_mm_range@mips', SMP, {
  flush_tlb_range(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    f.l.covered = coveredChanges(k, mm, f.l.start as number, f.l.end as number);
    const single = m.mm_users === 1 && k.s.tasks[c.curr].mm === mm;
    f.l.single = single;
    if (single) return 'zero_other_contexts';
    const targets: CpuId[] = [];
    for (let i = 0; i < k.s.cpus.length; i++) if (i !== c.id) targets.push(i);
    f.l.ipi = k.sendIpi(c.id, targets, 'flush_tlb_range_ipi@mips', { mm, start: f.l.start, end: f.l.end });
    return 'wait';
  },
  /** mm_users == 1 and current->mm == mm: the other CPUs only lose their ASID context for the mm. */
  zero_other_contexts(k, c, f) {
    const mm = f.l.mm as MmId;
    for (const cpu of k.s.cpus) {
      const old = cpu.asid_of[mm] ?? 0;
      if (cpu.id === c.id || !old) continue;
      const w = k.cpu(cpu.id);
      w.asid_of = { ...w.asid_of, [mm]: 0 };
      // Unreachable once the context is gone (until ASID rollover flushes them): dropped, unless the CPU still runs
      // with that ASID loaded, which is exactly the hole this shortcut leaves.
      if (w.loaded_mm !== mm) tlbDropTag(k, cpu.id, old);
    }
    return 'local_flush_tlb_range';
  },
  wait: when(ipisDone, () => 'local_flush_tlb_range'),
  local_flush_tlb_range(k, c, f) {
    const mm = f.l.mm as MmId;
    localFlush(k, c.id, mm, f.l.start as number, f.l.end as number);
    const shortcut = f.l.single ? 'mm_users == 1 && current->mm == mm: other CPUs only had their ASID context zeroed' : null;
    completeFlush(k, c.id, mm, f.l.covered as number[], shortcut);
    return RET;
  },
});

defineFn('flush_tlb_range_ipi@mips', SMP, {
  local_flush_tlb_range(k, c, f) {
    localFlush(k, c.id, f.l.mm as MmId, f.l.start as number, f.l.end as number);
    return RET;
  },
});

defineTlbFlush('mips', 'include/asm-generic/tlb.h', false);

export const mips: ArchPolicy = defineArch({
  name: 'mips',
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@mips',
    enter_lazy_tlb: 'enter_lazy_tlb@mips',
    flush_tlb_mm_range: 'flush_tlb_mm_range@mips',
    tlb_flush: 'tlb_flush@mips',
  },
  /**
   * No speculative fills here, so an entry is only ever used by the mm's own code: now (its ASID is loaded and the
   * running task uses the mm) or after a later switch (its ASID is still this CPU's context for the mm).
   */
  unusableTag: (k, c, e) => {
    const cpu = k.s.cpus[c];
    const now = cpu.tag === e.tag && k.s.tasks[cpu.curr].mm === e.mm;
    return !now && (cpu.asid_of[e.mm] ?? 0) !== e.tag;
  },
  walkCache: false,
  canSpeculate: () => false,
});
