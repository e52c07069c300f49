/**
 * mm/mmu_gather.c and include/asm-generic/tlb.h: batching of unmapped pages and page-table pages until the TLB has
 * been flushed. The core rule (header comment of asm-generic/tlb.h): unhook the page, invalidate the TLB, free the
 * page, in that order.
 *
 * The `struct mmu_gather` lives in the frame of the function that declared it (munmap / exit_mmap), as in the kernel
 * where it sits on the caller's stack; the functions here find it below them on the CPU's stack.
 *
 * Peter Zijlstra's 2012 patch (T5), behind config.fullmm_upfront_flush: tlb_gather_mmu(fullmm) flushes the whole mm
 * once up front, and tlb_flush_mmu_tlbonly then skips the flush for fullmm.
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { Cpu, MmId, PageId } from '../model/types.ts';
import { freePage, putPage } from './pages.ts';
import { archInvalidatesSecondary, invalidateSecondaryTlbs } from './tlbflush.ts';

export interface MmuGather {
  mm: MmId;
  fullmm: boolean;
  /** Range to flush in pages; start > end means empty. */
  start: number;
  end: number;
  freed_tables: boolean;
  /** Data pages whose mapping reference is dropped after the flush (tlb_remove_page). */
  pages: PageId[];
  /** Page-table pages freed after the flush (tlb_remove_table). */
  tables: PageId[];
}

export function newGather(mm: MmId, fullmm: boolean): MmuGather {
  return { mm, fullmm, start: Infinity, end: -Infinity, freed_tables: false, pages: [], tables: [] };
}

/** The mmu_gather of the nearest frame below that declared one. */
export function gatherOf(k: Kernel, c: Cpu): MmuGather {
  const cpu = k.cpu(c.id);
  for (let i = cpu.stack.length - 1; i >= 0; i--) {
    const tlb = cpu.stack[i].l.tlb as MmuGather | undefined;
    if (tlb) return tlb;
  }
  throw new Error('no mmu_gather on the stack');
}

/** __tlb_adjust_range. */
export function tlbAdjustRange(tlb: MmuGather, start: number, end: number): void {
  tlb.start = Math.min(tlb.start, start);
  tlb.end = Math.max(tlb.end, end);
}

defineFn('tlb_gather_mmu', 'mm/mmu_gather.c', {
  inc_tlb_flush_pending(k, c) {
    const tlb = gatherOf(k, c);
    k.mm(tlb.mm).tlb_flush_pending++;
    if (tlb.fullmm && k.s.config.fullmm_upfront_flush) return 'flush_tlb_mm_upfront';
    return RET;
  },
  /** The 2012 patch: flush once up front, on the assumption that nothing can use the mm any more. */
  flush_tlb_mm_upfront(k, c) {
    const tlb = gatherOf(k, c);
    k.inv.fullmmUpfrontFlush(k, c.id, tlb.mm);
    // flush_tlb_mm(): on x86 a freed_tables flush (so lazy CPUs are IPI'd too); the other arches have no such flag.
    return call(k.arch.fns.flush_tlb_mm_range, { mm: tlb.mm, start: 0, end: -1, freed_tables: k.arch.flushTlbMmFreesTables }, 'ret');
  },
  ret: () => RET,
});

defineFn('tlb_finish_mmu', 'mm/mmu_gather.c', {
  tlb_finish_mmu(k, c) {
    const tlb = gatherOf(k, c);
    // Nested gathers (another thread is zapping the same range): force a full flush including tables.
    if (k.s.mms[tlb.mm].tlb_flush_pending > 1) {
      tlb.fullmm = true;
      tlb.freed_tables = true;
      tlb.start = 0;
      tlb.end = -1;
    }
    return call('tlb_flush_mmu', {}, 'dec_tlb_flush_pending');
  },
  dec_tlb_flush_pending(k, c) {
    k.mm(gatherOf(k, c).mm).tlb_flush_pending--;
    return RET;
  },
});

defineFn('tlb_flush_mmu', 'mm/mmu_gather.c', {
  tlb_flush_mmu_tlbonly(k, c) {
    const tlb = gatherOf(k, c);
    const empty = !tlb.fullmm && !tlb.freed_tables && tlb.end < tlb.start;
    if (empty) return 'tlb_flush_mmu_free';
    if (tlb.fullmm && k.s.config.fullmm_upfront_flush) return 'tlb_flush_mmu_free'; // flushed up front (the 2012 patch)
    const args = { mm: tlb.mm, start: tlb.fullmm ? 0 : tlb.start, end: tlb.fullmm ? -1 : tlb.end, freed_tables: tlb.freed_tables, fullmm: tlb.fullmm };
    return call(k.arch.fns.tlb_flush, args, archInvalidatesSecondary(k) ? 'reset_range' : 'mmu_notifier_invalidate_range');
  },
  /** <= 6.5: secondary TLBs that share the page tables are invalidated right after the CPU flush, before the free. */
  mmu_notifier_invalidate_range(k, c) {
    const tlb = gatherOf(k, c);
    invalidateSecondaryTlbs(k, tlb.mm, tlb.fullmm ? 0 : tlb.start, tlb.fullmm ? -1 : tlb.end);
    return 'reset_range';
  },
  reset_range(k, c) {
    const tlb = gatherOf(k, c);
    tlb.start = Infinity;
    tlb.end = -Infinity;
    return 'tlb_flush_mmu_free';
  },
  /** tlb_table_flush + tlb_batch_pages_flush: only now are the batched pages and tables freed. */
  tlb_flush_mmu_free(k, c) {
    const tlb = gatherOf(k, c);
    if (tlb.tables.length) {
      // One pass over the unhooked list, not one per table (an exit_mmap frees every table of the mm here).
      const m = k.mm(tlb.mm);
      const gone = new Set(tlb.tables);
      m.unhooked = m.unhooked.filter((x) => !gone.has(x));
    }
    for (const p of tlb.tables) freePage(k, p, c.id);
    for (const p of tlb.pages) putPage(k, p, c.id);
    tlb.tables = [];
    tlb.pages = [];
    return RET;
  },
});
