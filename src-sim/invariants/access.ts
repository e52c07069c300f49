/**
 * Invariants judged when a CPU uses a translation for a real (non-speculative) access:
 * - I7  the entry agrees with the page table, or the flush for that PTE change has not completed yet;
 * - I8  (use side) the entry does not point at a page that has since been freed (and perhaps reused); the same for a
 *       device's IOTLB entry;
 * - I9  (walk side) no walk goes through a freed page-table page.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, DeviceId, DeviceTlbEntry, PageId, TlbEntry } from '../model/types.ts';
import { rget, rhas } from '../model/radix.ts';
import { hex } from '../kernel/tlb_hw.ts';

export function checkAccess(k: Kernel, c: CpuId, e: TlbEntry, write: boolean): void {
  const s = k.s;
  const t = s.tasks[s.cpus[c].curr];
  const mm = t.mm;
  const m = s.mms[mm];
  const pg = s.pages[e.page];
  const what = write ? 'writes' : 'reads';
  if (pg.freed || pg.reused !== e.gen) {
    const now = pg.freed ? 'freed' : `freed and reused (${pg.owner})`;
    k.violation('I8', [c], [pg.name, m.name, t.name],
      `${t.name} on CPU${c} ${what} ${hex(e.va)} through a stale TLB entry to page ${pg.name}, which was ${now}`);
    // and go on: every invariant this use violates is reported (a freed page does not hide a completed flush's miss)
  }
  const pte = rget(m.pte, e.va);
  if (e.mm !== mm || !pte || pte.page !== e.page) {
    if (e.mm === mm && rhas(m.unflushed, e.va)) return; // the flush for this change is still in progress
    const now = pte ? `maps ${k.pageName(pte.page)}` : 'is cleared';
    k.violation('I7', [c], [m.name, pg.name, t.name],
      `${t.name} on CPU${c} ${what} ${hex(e.va)} through a stale TLB entry (-> ${pg.name}) although the PTE ${now} and its flush completed`);
  }
}

/** I9 on a walk: a page walk (speculative or not, by the MMU or by software) must never go through a freed page-table page. */
export function walkThroughFreed(k: Kernel, c: CpuId, table: PageId, speculative: boolean, software?: string): void {
  const how = software ? `reads a PTE in its ${software}` : speculative ? 'speculatively walks' : 'walks';
  const pg = k.s.pages[table];
  const now = pg.freed ? 'freed' : `freed and reused as ${pg.owner}`;
  k.violation('I9', [c], [pg.name], `CPU${c} ${how} through page-table page ${pg.name} after it was ${now} (freed by ${pg.freed_by || 'an unknown caller'})`);
}

/** I8 on the device side: a device never uses an IOTLB entry to a page freed (and perhaps reused) since it was filled. */
export function deviceTlbUse(k: Kernel, d: DeviceId, e: DeviceTlbEntry, va: number, write: boolean): void {
  const dev = k.s.devices[d];
  const pg = k.s.pages[e.page];
  if (pg.freed || pg.reused !== e.gen) {
    const what = write ? 'writes into' : 'reads';
    const now = pg.freed ? 'freed' : `freed and reused as ${pg.owner}`;
    k.violation('I8', [], [dev.name, pg.name], `device ${dev.name} ${what} page ${pg.name} at ${hex(va)} through a stale IOTLB entry: the page was ${now}`);
  }
}
