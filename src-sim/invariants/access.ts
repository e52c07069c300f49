/**
 * Invariants judged when a CPU uses a translation for a real (non-speculative) access:
 * - I7  the entry agrees with the page table, or the flush for that PTE change has not completed yet;
 * - I8  (use side) the entry does not point at a page that has since been freed (and perhaps reused).
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, TlbEntry } from '../model/types.ts';
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
    return;
  }
  const pte = rget(m.pte, e.va);
  if (e.mm !== mm || !pte || pte.page !== e.page) {
    if (e.mm === mm && rhas(m.unflushed, e.va)) return; // the flush for this change is still in progress
    const now = pte ? `maps ${k.pageName(pte.page)}` : 'is cleared';
    k.violation('I7', [c], [m.name, pg.name, t.name],
      `${t.name} on CPU${c} ${what} ${hex(e.va)} through a stale TLB entry (-> ${pg.name}) although the PTE ${now} and its flush completed`);
  }
}
