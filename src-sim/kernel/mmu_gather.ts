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
 *
 * Page-table pages (tlb_remove_table): with CONFIG_MMU_GATHER_RCU_TABLE_FREE (kernel/rcu.ts rcuTableFree) the batch
 * is handed to call_rcu after the TLB flush (tlb_table_flush), so a lockless walker with interrupts off (GUP-fast)
 * never sees a table freed under it, even where the flush sent it no IPI; without it they are freed right after the
 * flush like data pages (x86 bare metal before 6.15: native_tlb_remove_table was tlb_remove_page), and the flush IPI,
 * held off by the walker's disabled interrupts, is the only protection. Two older or rarer paths of tlb_remove_table,
 * taken per table: the pre-4.19 shortcut (mm_users < 2: free at once, no flush; removed by Peter Zijlstra's "mm/tlb:
 * Remove tlb_remove_table() non-concurrent condition", August 2018, after Will Deacon noted that lazy users are not
 * counted in mm_users and Linus Torvalds that use_mm() users are not either), and tlb_remove_table_one when the batch
 * page cannot be allocated (invalidate the TLBs, since 4.19; IPI every other CPU, tlb_remove_table_sync_one; free).
 *
 * Shortcut, stated: free_pgtables unhooks all the tables of the range before the first is handed to tlb_remove_table
 * (the kernel unhooks and hands them over one by one); nothing reads them in between.
 */
import { RET, call, defineFn, ipisDone, when, type Next } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { Cpu, MmId, PageId } from '../model/types.ts';
import { putPage } from './pages.ts';
import { callRcuTables, freeTables, rcuTableFree } from './rcu.ts';
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
  /** Page-table pages freed after the flush (tlb_remove_table): the mmu_table_batch, or tlb_remove_page's batch. */
  tables: PageId[];
}

export function newGather(mm: MmId, fullmm: boolean): MmuGather {
  return { mm, fullmm, start: Infinity, end: -Infinity, freed_tables: false, pages: [], tables: [] };
}

/** The mmu_gather of the nearest frame below that declared one. */
export function gatherOf(k: Kernel, c: Cpu): MmuGather {
  const cpu = k.cpu(c.id);
  for (let i = cpu.stack.length - 1; i >= 0; i--) {
    // the caller writes the gather in place: its frame is made this state's own (Kernel.ownFrame)
    if (cpu.stack[i].l.tlb) return k.ownFrame(c.id, i).l.tlb as MmuGather;
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
  /**
   * tlb_table_flush + tlb_batch_pages_flush: only now are the batched pages freed, and the batched tables freed (or,
   * with RCU table freeing, handed to call_rcu).
   */
  tlb_flush_mmu_free(k, c) {
    const tlb = gatherOf(k, c);
    if (tlb.tables.length) {
      if (rcuTableFree(k).value) callRcuTables(k, c.id, tlb.mm, tlb.tables, 'tlb_flush_mmu › tlb_flush_mmu_free');
      else freeTables(k, c.id, tlb.mm, tlb.tables);
    }
    for (const p of tlb.pages) putPage(k, p, c.id);
    tlb.tables = [];
    tlb.pages = [];
    return RET;
  },
});

/**
 * pte_free_tlb -> tlb_remove_table for the tables free_pgtables just unhooked: into the gather's batch (freed after
 * the flush), or, when a per-table path applies, through tlb_remove_table below; then continue at `then`.
 */
export function removeTables(k: Kernel, c: Cpu, tables: PageId[], then: string): Next {
  if (!tables.length) return then;
  const cfg = k.s.config;
  const tlb = gatherOf(k, c);
  const shortcut = cfg.tlb_remove_table === 'pre-4.19' && k.s.mms[tlb.mm].mm_users < 2;
  if (!rcuTableFree(k).value || (!shortcut && !cfg.table_batch_alloc_fails)) {
    tlb.tables.push(...tables);
    return then;
  }
  return call('tlb_remove_table', { tables, i: 0, table: -1 }, then);
}

defineFn('tlb_remove_table', 'mm/mmu_gather.c', {
  /** One table at a time: the pre-4.19 shortcut, the batch, or the fallback when no batch page can be had. */
  tlb_remove_table(k, c, f) {
    const tables = f.l.tables as PageId[];
    const i = f.l.i as number;
    if (i >= tables.length) return RET;
    f.l.i = i + 1;
    f.l.table = tables[i];
    const tlb = gatherOf(k, c);
    const cfg = k.s.config;
    // pre-4.19: "less than two users of this mm: no concurrent page-table walk" (lazy and use_mm users not counted)
    if (cfg.tlb_remove_table === 'pre-4.19' && k.s.mms[tlb.mm].mm_users < 2) return '__tlb_remove_table';
    if (!cfg.table_batch_alloc_fails) {
      tlb.tables.push(tables[i]);
      return 'tlb_remove_table';
    }
    // tlb_remove_table_one: the batch page could not be allocated
    return cfg.tlb_remove_table === 'v4.19' ? 'tlb_table_invalidate' : 'tlb_remove_table_sync_one';
  },
  /** 4.19+: flush the TLBs (page-table caches of hardware walkers) for what the gather holds before the table goes. */
  tlb_table_invalidate(k, c) {
    const tlb = gatherOf(k, c);
    const args = { mm: tlb.mm, start: tlb.fullmm ? 0 : tlb.start, end: tlb.fullmm ? -1 : tlb.end, freed_tables: true, fullmm: tlb.fullmm };
    return call(k.arch.fns.tlb_flush, args, 'tlb_remove_table_sync_one');
  },
  /** smp_call_function(tlb_remove_table_smp_sync, wait): every other CPU takes an interrupt, so no walker with interrupts off is left. */
  tlb_remove_table_sync_one(k, c, f) {
    const others = k.s.cpus.filter((x) => x.id !== c.id).map((x) => x.id);
    f.l.ipi = k.sendIpi(c.id, others, 'tlb_remove_table_smp_sync', {});
    return 'wait_ipis';
  },
  wait_ipis: when(ipisDone, () => '__tlb_remove_table'),
  __tlb_remove_table(k, c, f) {
    freeTables(k, c.id, gatherOf(k, c).mm, [f.l.table as PageId]);
    return 'tlb_remove_table';
  },
});

/** The IPI of tlb_remove_table_sync_one: the handler does nothing; taking it is the point. */
defineFn('tlb_remove_table_smp_sync', 'mm/mmu_gather.c', {
  tlb_remove_table_smp_sync: () => RET,
});
