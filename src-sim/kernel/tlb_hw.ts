/**
 * The hardware side of address translation, shared by every architecture: what a TLB holds, how a walk fills it,
 * what an invalidation removes, and what loading a new context into the MMU means. These are helpers called inside
 * micro-steps (PlusCal macros), not micro-steps themselves.
 *
 * Modelling shortcuts, stated:
 * - One page size (4 KiB), two levels below the pgd: a PTE-table page covers REGION_PAGES pages. Walk-cache entries
 *   cache "region -> PTE-table page"; leaf entries cache "page -> data page".
 * - TLBs have unbounded capacity (no eviction), so an entry stays until an invalidation removes it. A TLB can
 *   therefore hold as many entries as its mms have mappings: it is indexed by tag and address (model/tlb.ts), and an
 *   index of the entries by page (model/tlb_pages.ts, kept here) serves the at-free check, so nothing scans a TLB.
 *   A device's IOTLB is the same structure (leaf entries under tag 0), filled and invalidated by the helpers at the end.
 * - Kernel (global) mappings are not modelled; init_mm has no user entries.
 */
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, LOADED_MM_SWITCHING, type CpuId, type DeviceId, type MmId, type PageId, type TlbEntry } from '../model/types.ts';
import { tlbAdd, tlbEach, tlbLeaf, tlbRemoveRange, tlbRemoveTag, tlbWalk, type TlbCached } from '../model/tlb.ts';
import { iotlbPagesOf, tlbPagesOf } from '../model/tlb_pages.ts';
import { rget } from '../model/radix.ts';

export { PAGE_SHIFT, REGION_PAGES, regionOf, hex } from '../model/geometry.ts';
import { REGION_PAGES, regionOf } from '../model/geometry.ts';
/** Whole-mm range marker for `end`. */
export const TLB_FLUSH_ALL = -1;


export function inRange(vpn: number, start: number, end: number): boolean {
  return end < 0 || (vpn >= start && vpn < end);
}

function regionInRange(region: number, start: number, end: number): boolean {
  if (end < 0) return true;
  const lo = region * REGION_PAGES;
  return lo < end && lo + REGION_PAGES > start;
}

/**
 * Invalidate CPU c's entries with hardware tag `tag` (leaf and walk-cache) in [start, end) pages (end < 0: all).
 * `mm` is the mm the invalidation is for: CPUs flushed for it stop counting as possible walkers of its unhooked
 * page-table pages (I9). Visits only the entries it removes (model/tlb.ts); a whole-tag flush removes each entry once,
 * which its fill paid for.
 */
export function tlbInvalidate(k: Kernel, c: CpuId, tag: number, mm: MmId, start: number, end: number): void {
  const cpu = k.cpu(c);
  k.s.counters.flushes++;
  const pages = tlbPagesOf(k.s);
  if (tag >= 0) cpu.tlb = tlbRemoveRange(cpu.tlb, tag, end < 0 ? 0 : start, end, (e) => pages.remove(c, e));
  if (mm > INIT_MM) forgetWalker(k, c, mm, start, end);
}

/** Drop every entry of CPU c under `tag` (an ASID given up: mips get_new_mmu_context, drop_mmu_context). */
export function tlbDropTag(k: Kernel, c: CpuId, tag: number): void {
  const cpu = k.cpu(c);
  const pages = tlbPagesOf(k.s);
  cpu.tlb = tlbRemoveTag(cpu.tlb, tag, (e) => pages.remove(c, e));
}

/**
 * local_flush_tlb_all on CPU c: every entry under every tag goes (an ASID rollover: arm64 tlb_flush_pending, mips
 * get_new_mmu_context). The CPU then holds no cached walk through its loaded mm's unhooked tables either.
 */
export function tlbFlushAll(k: Kernel, c: CpuId): void {
  const cpu = k.cpu(c);
  k.s.counters.flushes++;
  const tags = new Set<number>();
  tlbEach(cpu.tlb, (e) => tags.add(e.tag));
  for (const tag of tags) tlbDropTag(k, c, tag);
  if (cpu.loaded_mm > INIT_MM) forgetWalker(k, c, cpu.loaded_mm, 0, TLB_FLUSH_ALL);
}

/** CPU c can no longer walk through mm's unhooked page-table pages in the range. */
function forgetWalker(k: Kernel, c: CpuId, mm: MmId, start: number, end: number): void {
  const m = k.s.mms[mm];
  for (const p of m.unhooked) {
    const pg = k.s.pages[p];
    if (pg.may_walk.includes(c) && (pg.region < 0 || regionInRange(pg.region, start, end))) {
      k.page(p).may_walk = pg.may_walk.filter((x) => x !== c);
    }
  }
}

/** Load a new context into CPU c's MMU (CR3 / PID / TTBR0 / CR7 / EntryHi). */
export function hwLoad(k: Kernel, c: CpuId, mm: MmId, tag: number, old: MmId = k.s.cpus[c].loaded_mm): void {
  const cpu = k.cpu(c);
  cpu.loaded_mm = mm;
  cpu.tag = tag;
  if (old > INIT_MM && old !== mm) forgetWalker(k, c, old, 0, TLB_FLUSH_ALL);
}

/** CPU c's leaf entry for `vpn` under its current tag, if any. */
export function findLeaf(k: Kernel, c: CpuId, vpn: number): TlbEntry | undefined {
  const cpu = k.s.cpus[c];
  return tlbLeaf(cpu.tlb, cpu.tag, vpn);
}

export interface WalkResult {
  /** The PTE-table page the walk went through (-1 none). */
  table: PageId;
  /** The data page found (-1 none). */
  page: PageId;
  write: boolean;
  /** The walk went through a cached pointer to a page-table page that has been freed. */
  throughFreedTable: boolean;
}

/** A hardware walk of the loaded mm's page tables for `vpn` on CPU c, using the walk cache first. */
export function walk(k: Kernel, c: CpuId, vpn: number): WalkResult {
  const cpu = k.s.cpus[c];
  const mm = cpu.loaded_mm;
  const res: WalkResult = { table: -1, page: -1, write: false, throughFreedTable: false };
  if (mm <= INIT_MM || mm === LOADED_MM_SWITCHING) return res;
  const m = k.s.mms[mm];
  const region = regionOf(vpn);
  let table = -1;
  const e = tlbWalk(cpu.tlb, cpu.tag, region);
  if (e) {
    table = e.page;
    const pg = k.s.pages[table];
    if (pg.freed || pg.reused !== e.gen) {
      res.table = table;
      res.throughFreedTable = true;
      return res;
    }
  }
  if (table < 0) table = m.state === 'freed' ? -1 : (rget(m.pt, region) ?? -1);
  if (table < 0) return res;
  res.table = table;
  // A table unhooked by free_pgtables was emptied first: nothing to find through it.
  if (rget(m.pt, region) !== table) return res;
  const pte = rget(m.pte, vpn);
  if (pte) {
    res.page = pte.page;
    res.write = pte.write;
  }
  return res;
}

/** Insert the walk's result into CPU c's TLB under its current tag (the walk-cache entry first, then the leaf). */
export function tlbFill(k: Kernel, c: CpuId, vpn: number, w: WalkResult, speculative: boolean): void {
  const cpu = k.cpu(c);
  const mm = cpu.loaded_mm;
  const region = regionOf(vpn);
  const pages = k.s.pages;
  const refs = tlbPagesOf(k.s);
  if (w.table >= 0 && k.arch.walkCache && !tlbWalk(cpu.tlb, cpu.tag, region)) {
    const entry = { tag: cpu.tag, mm, va: region, page: w.table, walk: true, write: false, speculative, gen: pages[w.table].reused, seq: cpu.tlb.seq };
    cpu.tlb = tlbAdd(cpu.tlb, entry);
    refs.add(c, entry);
  }
  if (w.page >= 0 && !tlbLeaf(cpu.tlb, cpu.tag, vpn)) {
    const entry = { tag: cpu.tag, mm, va: vpn, page: w.page, walk: false, write: w.write, speculative, gen: pages[w.page].reused, seq: cpu.tlb.seq };
    cpu.tlb = tlbAdd(cpu.tlb, entry);
    refs.add(c, entry);
  }
}

// ---- device IOTLBs (secondary MMUs): leaf entries under tag 0, indexed like a CPU TLB ----

/** Device d's IOTLB entry for `vpn`, if any. */
export function iotlbFind(k: Kernel, d: DeviceId, vpn: number): TlbCached | undefined {
  return tlbLeaf(k.s.devices[d].tlb, 0, vpn);
}

/** Device d caches vpn -> page (its slot is free: the caller looked it up). */
export function iotlbFill(k: Kernel, d: DeviceId, vpn: number, page: PageId, write: boolean, gen: number): void {
  const pages = iotlbPagesOf(k.s); // built, if it is the first use, before the entry is filed
  const w = k.device(d);
  const e: TlbCached = { tag: 0, mm: w.mm, va: vpn, page, walk: false, write, speculative: false, gen, seq: w.tlb.seq };
  w.tlb = tlbAdd(w.tlb, e);
  pages.add(d, e);
}

/** Device d drops its entries in [start, end) pages (end < 0: all), visiting only those; written only if any went. */
export function iotlbInvalidate(k: Kernel, d: DeviceId, start: number, end: number): void {
  const pages = iotlbPagesOf(k.s);
  const t = k.s.devices[d].tlb;
  const nu = tlbRemoveRange(t, 0, end < 0 ? 0 : start, end, (e) => pages.remove(d, e));
  if (nu !== t) k.device(d).tlb = nu;
}

/** Device d drops every entry (mmu_notifier_release); each was paid for by the fill that made it. */
export function iotlbDropAll(k: Kernel, d: DeviceId): void {
  const pages = iotlbPagesOf(k.s);
  const w = k.device(d);
  w.tlb = tlbRemoveTag(w.tlb, 0, (e) => pages.remove(d, e));
}
