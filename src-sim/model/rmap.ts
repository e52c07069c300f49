/**
 * The reverse map of a page frame (Page.rmap): which PTEs map it, as the kernel's rmap (anon_vma / i_mmap) answers
 * for try_to_unmap. Every PTE write keeps it in step (model/make.ts for the scenario's own mappings, kernel/memory.ts
 * set_pte_at / ptep_clear, kernel/mmap.ts zap_pte_range), so reclaim visits the page's own mappings and not every mm's
 * page table. A change costs O(mappings of that page). The caller has already marked the page written (Kernel.page).
 */
import type { MmId, Page } from './types.ts';

/** Records that (mm, va) now maps pg. */
export function rmapAdd(pg: Page, mm: MmId, va: number): void {
  const r = pg.rmap;
  const out = new Array<number>(r.length + 2);
  for (let i = 0; i < r.length; i++) out[i] = r[i];
  out[r.length] = mm;
  out[r.length + 1] = va;
  pg.rmap = out;
}

/** Records that (mm, va) no longer maps pg. */
export function rmapRemove(pg: Page, mm: MmId, va: number): void {
  const r = pg.rmap;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] !== mm || r[i + 1] !== va) continue;
    pg.rmap = r.length === 2 ? [] : r.slice(0, i).concat(r.slice(i + 2));
    return;
  }
  throw new Error(`rmap of ${pg.name} has no mapping ${mm}:${va}`);
}

/** The page's mappings in mms that `live` accepts, ordered by mm, then address (the order of an mm-by-mm walk). */
export function rmapMappings(pg: Page, live: (mm: MmId) => boolean): Array<[MmId, number]> {
  const out: Array<[MmId, number]> = [];
  const r = pg.rmap;
  for (let i = 0; i < r.length; i += 2) if (live(r[i])) out.push([r[i], r[i + 1]]);
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
