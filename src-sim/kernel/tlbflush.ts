/**
 * Generic TLB-flush bookkeeping shared by the arch flush paths, the generic `switch_mm` wrapper
 * (include/linux/mmu_context.h) and the secondary-MMU invalidate (mm/mmu_notifier.c).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { checkFlushCompleted } from '../invariants/flush.ts';
import type { CpuId, MmId } from '../model/types.ts';
import { inRange } from './tlb_hw.ts';

/** Ghost: the PTE changes of mm in [start, end) that a flush starting now covers. */
export function coveredChanges(k: Kernel, mm: MmId, start: number, end: number): number[] {
  const out: number[] = [];
  for (const key in k.s.mms[mm].unflushed) {
    const va = Number(key);
    if (inRange(va, start, end)) out.push(va);
  }
  return out;
}

/**
 * A flush operation completed on its initiator c: the changes it covered are no longer pending. `shortcut` names the
 * reason when remote CPUs were deliberately not flushed (the mm_users == 1 shortcut), for I11.
 */
export function completeFlush(k: Kernel, c: CpuId, mm: MmId, covered: number[], shortcut: string | null, gen = 0): void {
  const m = k.mm(mm);
  if (covered.length) {
    const next = { ...m.unflushed };
    for (const va of covered) delete next[va];
    m.unflushed = next;
  }
  checkFlushCompleted(k, c, mm, shortcut, gen);
}

/**
 * Does the arch TLB flush itself invalidate the secondary TLBs (6.6+ arch_invalidate_secondary_tlbs on x86, arm64,
 * powerpc)? Where it does not, generic code calls the invalidate right after the CPU flush (the <= 6.5 shape).
 */
export function archInvalidatesSecondary(k: Kernel): boolean {
  return k.s.config.mmu_notifier === 'v6.6' && k.arch.secondaryInFlush;
}

/** Ghost bookkeeping of a PTE change of mm at va that replaced `old`: CPU and secondary TLBs must learn of it. */
export function notePteChange(k: Kernel, mm: MmId, va: number, old: number): void {
  const m = k.mm(mm);
  if (!(va in m.unflushed)) m.unflushed = { ...m.unflushed, [va]: old };
  if (m.notifiers.length && !(va in m.sec_unflushed)) m.sec_unflushed = { ...m.sec_unflushed, [va]: old };
}

/** Invalidate the TLBs of secondary MMUs that share mm's page tables (invalidate_range / arch_invalidate_secondary_tlbs). */
export function invalidateSecondaryTlbs(k: Kernel, mm: MmId, start: number, end: number): void {
  const m0 = k.s.mms[mm];
  if (!m0.notifiers.length) return;
  let pending = false;
  for (const key in m0.sec_unflushed) if (inRange(Number(key), start, end)) pending = true;
  if (pending) {
    const next: Record<number, number> = {};
    for (const key in m0.sec_unflushed) if (!inRange(Number(key), start, end)) next[Number(key)] = m0.sec_unflushed[key];
    k.mm(mm).sec_unflushed = next;
  }
  for (const d of k.s.mms[mm].notifiers) {
    const dev = k.s.devices[d];
    if (dev.kind !== 'shared' || dev.released) continue;
    const kept = dev.tlb.filter((e) => !inRange(e.va, start, end));
    k.s.counters.flushes++;
    if (kept.length !== dev.tlb.length) k.device(d).tlb = kept;
  }
}

/** switch_mm(): switch_mm_irqs_off with interrupts disabled around it. */
defineFn('switch_mm', 'include/linux/mmu_context.h', {
  local_irq_save(k, c, f) {
    k.cpu(c.id).irqs_off++;
    return call(k.arch.fns.switch_mm_irqs_off, { prev: f.l.prev, next: f.l.next }, 'local_irq_restore');
  },
  local_irq_restore(k, c) {
    k.cpu(c.id).irqs_off--;
    return RET;
  },
});
