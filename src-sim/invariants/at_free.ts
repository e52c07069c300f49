/**
 * Invariants judged at the instant a page is freed (docs/kernel-semantics.md §4):
 * - I8  no translation to a freed page: no CPU TLB entry (any tag) and no secondary-MMU entry maps it. In the
 *       x86-lazy-relaxed mode, leaf entries on CPUs lazily on the mm (or in stale, non-current PCID slots) are
 *       tolerated: they are caught up through tlb_gen before any non-speculative use.
 * - I9  a page-table page: no walk-cache entry points at it, and no CPU that had the mm attached (and could walk it
 *       speculatively) when the page was unhooked has since kept it attached without a flush. Entries under a tag the
 *       hardware cannot use again before flushing it (x86: a stale, non-current PCID slot) are tolerated: the
 *       hardware never walks through them.
 *       A software walker (GUP-fast, interrupts off) must not hold a pointer to it either (its frame's ghost
 *       `walk_table`, kernel/gup.ts): that is what RCU table freeing or the flush IPI is there to prevent.
 * - I13a a shared-page-table device still caching a translation to the page.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { Cpu, CpuId, PageId } from '../model/types.ts';
import { tlbStats, type TlbCached } from '../model/tlb.ts';
import { iotlbPagesOf, tlbPagesOf } from '../model/tlb_pages.ts';

const count = (n: number) => {
  if (tlbStats.counting) tlbStats.visited += n;
};
import { hex } from '../kernel/tlb_hw.ts';

export function checkPageFree(k: Kernel, p: PageId, c: CpuId): void {
  const s = k.s;
  const pg = s.pages[p];
  const gen = pg.reused;
  const relaxed = s.config.i8_mode === 'x86-lazy-relaxed';
  // The entries that cache this frame (model/tlb_pages.ts), by CPU and then in fill order: what a pass over every
  // CPU's whole TLB found, at the cost of those entries only.
  const hits: Array<{ cpu: Cpu; e: TlbCached }> = [];
  const cached = tlbPagesOf(s).of(p);
  count(cached.length);
  for (const [c2, e] of cached) if (e.gen === gen) hits.push({ cpu: s.cpus[c2], e });
  hits.sort((x, y) => x.cpu.id - y.cpu.id || x.e.seq - y.e.seq);
  for (const { cpu, e } of hits) {
    if (e.walk) {
      if (k.arch.unusableTag(k, cpu.id, e)) continue;
      k.violation('I9', [c, cpu.id], [pg.name, k.mmName(e.mm)],
        `page-table page ${pg.name} freed while CPU${cpu.id}'s walk cache still points at it (${k.mmName(e.mm)}, region ${hex(e.va * 512)})`);
    } else if (!k.arch.unusableTag(k, cpu.id, e) && !(relaxed && k.arch.i8Tolerated(k, cpu.id, e))) {
      k.violation('I8', [c, cpu.id], [pg.name, k.mmName(e.mm)],
        `page ${pg.name} freed while CPU${cpu.id}'s TLB still maps ${hex(e.va)} -> ${pg.name} (${k.mmName(e.mm)}${e.speculative ? ', speculative fill' : ''})`);
    }
  }
  if (pg.kind === 'pt' && pg.may_walk.length) {
    const who = pg.may_walk.map((x) => `CPU${x}`).join(', ');
    k.violation('I9', [c, ...pg.may_walk], [pg.name],
      `page-table page ${pg.name} freed but ${who} still had its mm attached with no flush since the table was unhooked: a speculative walk can go through freed memory`);
  }
  if (pg.kind === 'pt') {
    // Software walkers: at most a few frames per CPU, and only when a page-table page is freed.
    for (const cpu of s.cpus) {
      for (const f of cpu.stack) {
        if (f.l.walk_table !== p || f.l.walk_gen !== gen) continue;
        k.violation('I9', [c, cpu.id], [pg.name], `page-table page ${pg.name} freed while CPU${cpu.id}'s ${f.fn.split('@')[0]} walk (interrupts off) holds a pointer to it`);
      }
    }
  }
  // Likewise the IOTLB entries caching it, by device and then in fill order (the order of a pass over each IOTLB).
  const devHits: Array<{ d: number; e: TlbCached }> = [];
  const io = iotlbPagesOf(s).of(p);
  count(io.length);
  for (const [d, e] of io) if (e.gen === gen) devHits.push({ d, e });
  devHits.sort((x, y) => x.d - y.d || x.e.seq - y.e.seq);
  for (const { d, e } of devHits) {
    const dev = s.devices[d];
    k.violation('I13a', [c], [dev.name, pg.name],
      `page ${pg.name} freed while device ${dev.name}'s IOTLB still maps ${hex(e.va)} -> ${pg.name} (secondary TLB not invalidated before the free)`);
    k.violation('I8', [c], [dev.name, pg.name], `page ${pg.name} freed while a secondary-MMU entry of ${dev.name} maps it`);
  }
}
