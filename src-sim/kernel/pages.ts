/**
 * Physical pages: get_page / put_page, the free, and reuse (mm/page_alloc.c, as far as this model needs it).
 *
 * Shortcut, stated: the allocator hands out the most recently freed frame first (like the per-CPU free lists' hot
 * pages), so a freed page is reused by the very next allocation. That is what makes "a stale TLB entry now points at
 * somebody else's data" visible.
 */
import type { Kernel } from '../engine/kernel.ts';
import { labelNames, shownName } from '../engine/fn.ts';
import type { CpuId, PageId, PageKind } from '../model/types.ts';

export function getPage(k: Kernel, p: PageId): void {
  k.page(p).refcount++;
}

/** put_page: drop a reference; the last one frees the page. */
export function putPage(k: Kernel, p: PageId, c: CpuId): void {
  const pg = k.page(p);
  pg.refcount--;
  k.inv.pagePut(k, c, p);
  if (pg.refcount === 0) freePage(k, p, c);
}

/**
 * The page goes back to the allocator (once). Invariants I8, I9 and I13a are judged at this instant. `by` names the
 * freer when it is not the current micro-step (an RCU callback).
 */
export function freePage(k: Kernel, p: PageId, c: CpuId, by?: string): void {
  const pg = k.page(p);
  k.inv.pageFreeing(k, c, p);
  if (pg.freed) return;
  pg.refcount = 0;
  pg.freed = true;
  const l = labelNames[k.curLabel];
  pg.freed_by = by ?? (l ? `CPU${c} in ${shownName(l.fn)} › ${l.label}` : `CPU${c}`);
  k.inv.pageFreed(k, c, p);
  k.s.free_list.push(p);
  k.rec.pageFreed?.(p);
}

/** Allocate a page: the most recently freed frame if any (it is reused), else a new one. */
export function allocPage(k: Kernel, kind: PageKind, owner: string, region = -1, name?: string): PageId {
  const reuse = k.s.free_list.pop();
  if (reuse !== undefined) {
    const pg = k.page(reuse);
    pg.freed = false;
    pg.refcount = 1;
    pg.kind = kind;
    pg.reused++;
    pg.owner = owner;
    pg.region = region;
    pg.may_walk = [];
    k.rec.pageReused?.(reuse);
    return reuse;
  }
  const id = k.s.pages.length;
  k.s.pages.push({ id, name: name ?? `pfn${id}`, kind, refcount: 1, freed: false, reused: 0, owner, region, may_walk: [], rmap: [], freed_by: '' });
  k.page(id);
  return id;
}
