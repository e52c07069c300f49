/**
 * mm/gup.c gup_fast (lockless_pages_from_mm in 5.10–6.5, inside internal_get_user_pages_fast before): a lockless
 * software walk of current->mm's page tables with interrupts off. Disabling interrupts is what keeps the page-table
 * pages it walks from being freed under it: a freeing CPU either waits for its TLB-flush IPI (or for
 * tlb_remove_table_sync_one's IPI) to be taken, or, with MMU_GATHER_RCU_TABLE_FREE, for a sched-RCU grace period
 * (the comment above struct mmu_table_batch in include/asm-generic/tlb.h, and the one above local_irq_save in gup_fast).
 *
 * The walk is split where another CPU can free the table in between: gup_fast_pgd_range reads the pmd and takes the
 * pointer to the PTE-table page; gup_fast_pte_range reads the PTE through it. While it holds the pointer the frame's
 * ghost locals `walk_table` / `walk_gen` name the page and its reuse count (the I9 check at free reads them).
 *
 * Shortcuts, stated: one address; the walker takes no page reference (try_grab_folio and the pmd re-check that undoes
 * a walk racing with an unhook are not modelled: the walk only reads); when nothing is mapped it stops, where the
 * kernel falls back to the slow, locked GUP.
 */
import { RET, defineFn } from '../engine/fn.ts';
import { rget } from '../model/radix.ts';
import type { MmId, PageId } from '../model/types.ts';
import { regionOf } from './tlb_hw.ts';

defineFn('gup_fast', 'mm/gup.c', {
  /** local_irq_save: from here on, IPIs to this CPU wait and it holds off every sched-RCU grace period. */
  local_irq_save(k, c, f) {
    k.cpu(c.id).irqs_off++;
    f.l.mm = k.s.tasks[c.curr].mm;
    return 'gup_fast_pgd_range';
  },
  /** pgd -> pmd: the pointer to the PTE-table page of the address (none: nothing to walk). */
  gup_fast_pgd_range(k, _c, f) {
    const m = k.s.mms[f.l.mm as MmId];
    const table = rget(m.pt, regionOf(f.l.va as number));
    if (table === undefined) return 'local_irq_restore';
    f.l.walk_table = table;
    f.l.walk_gen = k.s.pages[table].reused;
    return 'gup_fast_pte_range';
  },
  /** Read the PTE through the pointer taken above: the table must still be the one it was. */
  gup_fast_pte_range(k, c, f) {
    const table = f.l.walk_table as PageId;
    const pg = k.s.pages[table];
    f.l.walk_table = -1;
    if (pg.freed || pg.reused !== (f.l.walk_gen as number)) {
      k.inv.walkThroughFreed(k, c.id, table, false, 'GUP-fast walk (interrupts off)');
      return 'local_irq_restore';
    }
    const pte = rget(k.s.mms[f.l.mm as MmId].pte, f.l.va as number);
    f.l.page = pte ? pte.page : -1;
    return 'local_irq_restore';
  },
  local_irq_restore(k, c) {
    k.cpu(c.id).irqs_off--;
    return RET;
  },
});
