/**
 * mm/mmap.c (and mm/vma.c): munmap and exit_mmap, built from the mmu_gather steps.
 *
 *   munmap(start, len):  tlb_gather_mmu; unmap_vmas (clear PTEs, queue pages); [free_pgtables]; tlb_finish_mmu
 *   exit_mmap(M):        mmu_notifier_release; tlb_gather_mmu_fullmm; unmap_vmas; free_pgtables; tlb_finish_mmu
 *
 * Shortcuts, stated: VMAs are not modelled (an address is mapped or not); mmap locks are not modelled (a scenario
 * cannot run two munmaps of one mm at once unless it pauses one with `until`, which the kernel's lock would forbid).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, type Cpu, type MmId, type PageId } from '../model/types.ts';
import { gatherOf, newGather, removeTables, tlbAdjustRange } from './mmu_gather.ts';
import { REGION_PAGES } from './tlb_hw.ts';
import { mmuNotifierRelease, rangeEnd, rangeStart } from './mmu_notifier.ts';
import { PteChanges } from './tlbflush.ts';
import { RadixEdit, rforEach, rhasRange } from '../model/radix.ts';
import { rmapRemove } from '../model/rmap.ts';

/**
 * zap_pte_range: clear the PTEs of [start, end), queue their pages for freeing after the flush. Visits only the
 * mapped entries of the range (model/radix.ts), in ascending order; the flush bookkeeping is updated in one batch.
 */
export function unmapRange(k: Kernel, c: Cpu, start: number, end: number): void {
  const tlb = gatherOf(k, c);
  const m = k.mm(tlb.mm);
  const edit = new RadixEdit(m.pte);
  const notes = new PteChanges(k, tlb.mm);
  edit.delRange(start, end, (va, old) => {
    k.arch.pteClear?.(k, c.id, tlb.mm, va, tlb.fullmm);
    notes.note(va, old.page);
    rmapRemove(k.page(old.page), tlb.mm, va);
    tlb.pages.push(old.page);
    tlbAdjustRange(tlb, va, va + 1);
  });
  if (edit.root !== m.pte) {
    m.pte = edit.root;
    notes.done();
  }
}

/**
 * free_pgtables: unhook the PTE-table pages left empty in [start, end) and return them, for tlb_remove_table
 * (removeTables).
 */
export function freePgtables(k: Kernel, c: Cpu, start: number, end: number): PageId[] {
  const tlb = gatherOf(k, c);
  const m = k.mm(tlb.mm);
  const pt = new RadixEdit(m.pt);
  const unhooked: PageId[] = [];
  // The regions that have a page-table page and overlap [start, end); those with no PTE left go.
  const regions: Array<[number, PageId]> = [];
  rforEach(m.pt, (region, p) => regions.push([region, p]), Math.floor(start / REGION_PAGES), end >= 0 ? Math.ceil(end / REGION_PAGES) : -1);
  for (const [region, p] of regions) {
    const lo = region * REGION_PAGES;
    if (rhasRange(m.pte, lo, lo + REGION_PAGES)) continue;
    pt.del(region);
    // Ghost for I9: who could still walk through this table (attached and allowed to speculate).
    const walkers = k.s.cpus.filter((x) => x.loaded_mm === tlb.mm && k.arch.canSpeculate(k, x.id)).map((x) => x.id);
    k.page(p).may_walk = walkers;
    unhooked.push(p);
    tlb.freed_tables = true;
    tlbAdjustRange(tlb, lo, lo + REGION_PAGES);
    k.arch.pteFreeTlb?.(k, c.id, tlb.mm);
  }
  if (unhooked.length) {
    m.pt = pt.root;
    m.unhooked = m.unhooked.concat(unhooked);
  }
  return unhooked;
}

defineFn('munmap', 'mm/mmap.c', {
  /** do_vmi_munmap -> unmap_region; the range is notified to shadow-page-table subscribers first. */
  mmu_notifier_invalidate_range_start(k, c, f) {
    const mm = k.s.tasks[c.curr].mm;
    const start = f.l.start as number;
    const end = start + (f.l.pages as number);
    f.l.mm = mm;
    f.l.end = end;
    f.l.tlb = newGather(mm, false);
    rangeStart(k, mm, start, end);
    return call('tlb_gather_mmu', {}, 'unmap_vmas');
  },
  unmap_vmas(k, c, f) {
    unmapRange(k, c, f.l.start as number, f.l.end as number);
    return 'mmu_notifier_invalidate_range_end';
  },
  /** unmap_vmas closes the notifier range itself, before page tables go and before the final flush and free. */
  mmu_notifier_invalidate_range_end(k, _c, f) {
    rangeEnd(k, f.l.mm as MmId, f.l.start as number, f.l.end as number);
    return f.l.free_tables ? 'free_pgtables' : 'tlb_finish_mmu';
  },
  free_pgtables(k, c, f) {
    return removeTables(k, c, freePgtables(k, c, f.l.start as number, f.l.end as number), 'tlb_finish_mmu');
  },
  tlb_finish_mmu: () => call('tlb_finish_mmu', {}, 'ret'),
  ret: () => RET,
});

defineFn('exit_mmap', 'mm/mmap.c', {
  /** Secondary MMUs tear down their mappings and stop before any page is freed. */
  mmu_notifier_release(k, _c, f) {
    mmuNotifierRelease(k, f.l.mm as MmId);
    return 'tlb_gather_mmu_fullmm';
  },
  tlb_gather_mmu_fullmm(_k, _c, f) {
    f.l.tlb = newGather(f.l.mm as MmId, true);
    return call('tlb_gather_mmu', {}, 'unmap_vmas');
  },
  unmap_vmas(k, c) {
    unmapRange(k, c, 0, -1);
    return 'free_pgtables';
  },
  free_pgtables(k, c) {
    return removeTables(k, c, freePgtables(k, c, 0, -1), 'tlb_finish_mmu');
  },
  tlb_finish_mmu: () => call('tlb_finish_mmu', {}, 'remove_vmas'),
  remove_vmas(_k, _c, f) {
    if ((f.l.mm as MmId) === INIT_MM) throw new Error('exit_mmap(init_mm)');
    return RET;
  },
});
