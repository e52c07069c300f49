/**
 * User memory: accesses through the TLB, speculative walks, page faults that map a page, and COW
 * (mm/memory.c: handle_mm_fault, __pte_alloc, wp_page_copy).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { NONE, type Cpu, type CpuId, type MmId, type PageId } from '../model/types.ts';
import { rdel, rget, rset } from '../model/radix.ts';
import { rmapAdd, rmapRemove } from '../model/rmap.ts';
import { allocPage, getPage, putPage } from './pages.ts';
import { findLeaf, hex, regionOf, tlbFill, walk } from './tlb_hw.ts';
import { archInvalidatesSecondary, invalidateSecondaryTlbs, notePteChange } from './tlbflush.ts';
import { rangeEnd, rangeStart } from './mmu_notifier.ts';

/** The mm a CPU's current task accesses user memory through: its own, or the one taken by kthread_use_mm. */
export function accessMm(k: Kernel, c: Cpu): MmId {
  return k.s.tasks[c.curr].mm;
}

/** __pte_alloc: make sure the PTE-table page for the region exists. */
export function pteAlloc(k: Kernel, mm: MmId, vpn: number): void {
  const m = k.mm(mm);
  const region = regionOf(vpn);
  if (rget(m.pt, region) !== undefined) return;
  const p = allocPage(k, 'pt', `page table of ${m.name} @${hex(region * 512)}`, region, `pt:${m.name}/${region}`);
  m.pt = rset(m.pt, region, p);
}

/**
 * The clear half of ptep_clear_flush (the caller then flushes): the PTE goes, the change is noted for the flush
 * bookkeeping, and the arch sees it (s390 IPTE).
 */
export function ptepClear(k: Kernel, c: CpuId, mm: MmId, va: number): void {
  const m = k.mm(mm);
  const old = rget(m.pte, va)!.page;
  m.pte = rdel(m.pte, va);
  rmapRemove(k.page(old), mm, va);
  notePteChange(k, mm, va, old);
  k.arch.pteClear?.(k, c, mm, va, false);
}

/**
 * set_pte_at: the mapping takes a page reference. Copies only the tables on vpn's path (model/radix.ts); the page's
 * reverse map (and that of a page the PTE mapped before, if any) follows.
 */
export function setPte(k: Kernel, mm: MmId, vpn: number, page: PageId, write: boolean): void {
  const m = k.mm(mm);
  const was = rget(m.pte, vpn);
  if (was) rmapRemove(k.page(was.page), mm, vpn);
  m.pte = rset(m.pte, vpn, { page, write });
  rmapAdd(k.page(page), mm, vpn);
}

defineFn('user_access', 'hardware MMU', {
  /** A load or store by the running code: the TLB first, a page walk on a miss. */
  tlb_lookup(k, c, f) {
    const va = f.l.va as number;
    const hit = findLeaf(k, c.id, va);
    if (hit) {
      k.inv.tlbUse(k, c.id, hit, f.l.write as boolean);
      return RET;
    }
    const w = walk(k, c.id, va);
    if (w.throughFreedTable) {
      k.inv.walkThroughFreed(k, c.id, w.table, false);
      return RET;
    }
    if (w.page < 0) {
      // Not an error of the scenario: the kernel's answer is a fault (SIGSEGV in user mode, -EFAULT from uaccess).
      const t = k.s.tasks[c.curr];
      const how = t.kthread ? 'the uaccess returns -EFAULT' : 'SIGSEGV';
      k.warn('fault', [c.id], [t.name], `${t.name} on CPU${c.id}: nothing mapped at ${hex(va)} in ${k.mmName(t.mm)} and no TLB entry: page fault, ${how}`);
      return RET;
    }
    tlbFill(k, c.id, va, w, false);
    const filled = findLeaf(k, c.id, va);
    if (filled) k.inv.tlbUse(k, c.id, filled, f.l.write as boolean);
    return RET;
  },
});

/**
 * The label the timeline records for a speculative walk. It is not a kernel operation: the hardware does it on its
 * own (mispredicted branches, prefetch), whatever the CPU is executing, even in the middle of a paused operation.
 */
export const speculativeWalkFn = defineFn('speculative_walk', 'hardware MMU', {
  speculative_fill: () => RET,
});

/** A speculative walk of `va` on CPU c through its attached mm, if the arch's speculation rule allows one now. */
export function speculativeFill(k: Kernel, c: CpuId, va: number): void {
  if (!k.arch.canSpeculate(k, c)) return;
  const w = walk(k, c, va);
  if (w.throughFreedTable) {
    k.inv.walkThroughFreed(k, c, w.table, true);
    return;
  }
  tlbFill(k, c, va, w, true);
}

defineFn('handle_mm_fault', 'mm/memory.c', {
  __pte_alloc(k, c, f) {
    const mm = accessMm(k, c);
    f.l.mm = mm;
    pteAlloc(k, mm, f.l.va as number);
    return 'set_pte_at';
  },
  set_pte_at(k, _c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    let page = f.l.page as PageId;
    if (page === NONE) page = allocPage(k, 'data', `${m.name} @${hex(f.l.va as number)}`);
    else {
      getPage(k, page);
      k.page(page).owner = `${m.name} @${hex(f.l.va as number)}`;
    }
    setPte(k, mm, f.l.va as number, page, f.l.write as boolean);
    return RET;
  },
});

/** wp_page_copy: break COW by giving the writer a private copy of the page. */
defineFn('wp_page_copy', 'mm/memory.c', {
  alloc_page(k, c, f) {
    const mm = accessMm(k, c);
    const m = k.s.mms[mm];
    const va = f.l.va as number;
    f.l.mm = mm;
    f.l.old = rget(m.pte, va)!.page;
    f.l.new = allocPage(k, 'data', `${m.name} @${hex(va)} (COW copy)`);
    return 'mmu_notifier_invalidate_range_start';
  },
  mmu_notifier_invalidate_range_start(k, _c, f) {
    const va = f.l.va as number;
    rangeStart(k, f.l.mm as MmId, va, va + 1);
    return 'ptep_clear_flush';
  },
  /** Clear the PTE and flush the CPU TLBs (ptep_clear_flush -> flush_tlb_page). */
  ptep_clear_flush(k, c, f) {
    const mm = f.l.mm as MmId;
    const va = f.l.va as number;
    ptepClear(k, c.id, mm, va);
    const notifyNow = k.s.config.cow_notify === 'clear_flush_notify' && !archInvalidatesSecondary(k);
    return call(k.arch.fns.flush_tlb_mm_range, { mm, start: va, end: va + 1, freed_tables: false }, notifyNow ? 'mmu_notifier_invalidate_range' : 'set_pte_at');
  },
  /** ptep_clear_flush_notify: the secondary TLB is invalidated before the new PTE is set. */
  mmu_notifier_invalidate_range(k, _c, f) {
    const va = f.l.va as number;
    invalidateSecondaryTlbs(k, f.l.mm as MmId, va, va + 1);
    return 'set_pte_at';
  },
  set_pte_at(k, _c, f) {
    setPte(k, f.l.mm as MmId, f.l.va as number, f.l.new as PageId, true);
    return k.s.config.cow_notify === 'set_then_notify' ? 'late_invalidate_range' : 'put_old_page';
  },
  /** The broken order: the secondary TLB learns of the change only after the new PTE is visible. */
  late_invalidate_range(k, _c, f) {
    const va = f.l.va as number;
    invalidateSecondaryTlbs(k, f.l.mm as MmId, va, va + 1);
    return 'put_old_page';
  },
  put_old_page(k, c, f) {
    putPage(k, f.l.old as PageId, c.id);
    return 'mmu_notifier_invalidate_range_end';
  },
  mmu_notifier_invalidate_range_end(k, _c, f) {
    const va = f.l.va as number;
    rangeEnd(k, f.l.mm as MmId, va, va + 1);
    return RET;
  },
});
