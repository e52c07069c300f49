/**
 * mm/rmap.c try_to_unmap -> try_to_unmap_one (4.13/4.14 shape, T4): for each PTE mapping the page, inside an
 * invalidate_range_start/end bracket: ptep_clear_flush, page_remove_rmap, put_page, then invalidate_range for the
 * secondary MMUs that share the page tables. Safe only because the caller of try_to_unmap holds its own page
 * reference (config.reclaim_caller_pins_page): the put_page inside cannot be the last one.
 * With mmu_notifier 'v6.6' on x86, arm64 and powerpc the secondary invalidate happens inside the arch flush instead.
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { MmId, PageId } from '../model/types.ts';
import { rmapMappings } from '../model/rmap.ts';
import { getPage, putPage } from './pages.ts';
import { rangeEnd, rangeStart } from './mmu_notifier.ts';
import { archInvalidatesSecondary, invalidateSecondaryTlbs } from './tlbflush.ts';
import { ptepClear } from './memory.ts';

defineFn('try_to_unmap', 'mm/rmap.c', {
  rmap_walk(k, _c, f) {
    const page = f.l.page as PageId;
    // The page's own reverse map (model/rmap.ts): O(its mappings), in the order of an mm-by-mm walk of the PTEs.
    f.l.maps = rmapMappings(k.s.pages[page], (mm) => k.s.mms[mm].state !== 'freed');
    f.l.i = 0;
    if (k.s.config.reclaim_caller_pins_page) getPage(k, page);
    return 'try_to_unmap_one';
  },
  try_to_unmap_one(k, _c, f) {
    const maps = f.l.maps as Array<[MmId, number]>;
    const i = f.l.i as number;
    if (i >= maps.length) return 'put_caller_pin';
    const [mm, va] = maps[i];
    rangeStart(k, mm, va, va + 1);
    return 'ptep_clear_flush';
  },
  ptep_clear_flush(k, c, f) {
    const [mm, va] = (f.l.maps as Array<[MmId, number]>)[f.l.i as number];
    ptepClear(k, c.id, mm, va);
    return call(k.arch.fns.flush_tlb_mm_range, { mm, start: va, end: va + 1, freed_tables: false }, 'page_remove_rmap');
  },
  /** page_remove_rmap + put_page: the mapping's reference goes. */
  page_remove_rmap(k, c, f) {
    putPage(k, f.l.page as PageId, c.id);
    return archInvalidatesSecondary(k) ? 'invalidate_range_end' : 'mmu_notifier_invalidate_range';
  },
  mmu_notifier_invalidate_range(k, _c, f) {
    const [mm, va] = (f.l.maps as Array<[MmId, number]>)[f.l.i as number];
    invalidateSecondaryTlbs(k, mm, va, va + 1);
    return 'invalidate_range_end';
  },
  invalidate_range_end(k, _c, f) {
    const [mm, va] = (f.l.maps as Array<[MmId, number]>)[f.l.i as number];
    rangeEnd(k, mm, va, va + 1);
    f.l.i = (f.l.i as number) + 1;
    return 'try_to_unmap_one';
  },
  put_caller_pin(k, c, f) {
    if (k.s.config.reclaim_caller_pins_page) putPage(k, f.l.page as PageId, c.id);
    return RET;
  },
});
