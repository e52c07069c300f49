/**
 * Generic TLB-flush bookkeeping shared by the arch flush paths, the generic `switch_mm` wrapper
 * (include/linux/mmu_context.h) and the secondary-MMU invalidate (mm/mmu_notifier.c).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, MmId, PageId } from '../model/types.ts';
import { RadixEdit, rforEach, rhas, rhasRange, rset } from '../model/radix.ts';
import { iotlbInvalidate } from './tlb_hw.ts';

/** Ghost: the PTE changes of mm in [start, end) that a flush starting now covers. */
export function coveredChanges(k: Kernel, mm: MmId, start: number, end: number): number[] {
  const out: number[] = [];
  rforEach(k.s.mms[mm].unflushed, (va) => out.push(va), start, end);
  return out;
}

/**
 * A flush operation completed on its initiator c: the changes it covered are no longer pending. `shortcut` names the
 * reason when remote CPUs were deliberately not flushed (the mm_users == 1 shortcut), for I11.
 */
export function completeFlush(k: Kernel, c: CpuId, mm: MmId, covered: number[], shortcut: string | null, gen = 0): void {
  const m = k.mm(mm);
  if (covered.length) {
    const next = new RadixEdit(m.unflushed);
    for (const va of covered) next.del(va);
    m.unflushed = next.root;
  }
  k.inv.flushCompleted(k, c, mm, shortcut, gen);
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
  if (!rhas(m.unflushed, va)) m.unflushed = rset(m.unflushed, va, old);
  if (m.notifiers.length && !rhas(m.sec_unflushed, va)) m.sec_unflushed = rset(m.sec_unflushed, va, old);
}

/** notePteChange for many PTEs of one mm (an unmap), each record copied once: `note` each change, then `done`. */
export class PteChanges {
  private unflushed: RadixEdit<PageId>;
  private secondary: RadixEdit<PageId> | null;
  constructor(
    private k: Kernel,
    private mm: MmId,
  ) {
    const m = k.s.mms[mm];
    this.unflushed = new RadixEdit(m.unflushed);
    this.secondary = m.notifiers.length ? new RadixEdit(m.sec_unflushed) : null;
  }
  note(va: number, old: PageId): void {
    if (this.unflushed.get(va) === undefined) this.unflushed.set(va, old);
    if (this.secondary && this.secondary.get(va) === undefined) this.secondary.set(va, old);
  }
  done(): void {
    const m = this.k.mm(this.mm);
    m.unflushed = this.unflushed.root;
    if (this.secondary) m.sec_unflushed = this.secondary.root;
  }
}

/** Invalidate the TLBs of secondary MMUs that share mm's page tables (invalidate_range / arch_invalidate_secondary_tlbs). */
export function invalidateSecondaryTlbs(k: Kernel, mm: MmId, start: number, end: number): void {
  const m0 = k.s.mms[mm];
  if (!m0.notifiers.length) return;
  if (rhasRange(m0.sec_unflushed, start, end)) {
    const next = new RadixEdit(m0.sec_unflushed);
    next.delRange(start, end, () => {});
    k.mm(mm).sec_unflushed = next.root;
  }
  for (const d of k.s.mms[mm].notifiers) {
    const dev = k.s.devices[d];
    if (dev.kind !== 'shared' || dev.released) continue;
    iotlbInvalidate(k, d, start, end);
    k.s.counters.flushes++;
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
