/**
 * Invariants judged when a flush completes, and the exclusivity claim of the 2012 fullmm patch:
 * - I11 a flush done local-only because mm_users <= 1 (or with remote CPUs only losing their ASID context) must
 *       leave no other CPU that uses the mm non-speculatively with a usable entry from before the change;
 * - I6  (x86) on completion of a flush with generation g, every CPU with the mm loaded and not lazy has caught up
 *       to g (a CPU inside its mm switch counts as lazy: ArchPolicy.switchingMm), and no slot is ahead of the mm's;
 * - I16 a fullmm teardown that flushes once up front assumes nothing uses the mm: the exiting CPU itself is still
 *       lazily on it (Linus's VM_BUG_ON(current->active_mm == mm) fired at once), and other CPUs may be too.
 */
import type { Kernel } from '../engine/kernel.ts';
import { NONE, type CpuId, type MmId } from '../model/types.ts';
import { rget } from '../model/radix.ts';
import { tlbOfTag } from '../model/tlb.ts';
import { hex } from '../kernel/tlb_hw.ts';

export function checkFlushCompleted(k: Kernel, c: CpuId, mm: MmId, shortcut: string | null, gen: number): void {
  const s = k.s;
  const m = s.mms[mm];
  if (shortcut) {
    for (const cpu of s.cpus) {
      if (cpu.id === c) continue;
      const t = s.tasks[cpu.curr];
      if (t.mm !== mm || cpu.loaded_mm !== mm) continue; // uses M non-speculatively: a thread of M, or a kthread in use_mm
      // Its entries under the loaded tag, in fill order (model/tlb.ts): not the whole TLB.
      for (const e of tlbOfTag(cpu.tlb, cpu.tag)) {
        if (e.walk || e.mm !== mm) continue;
        const pte = rget(m.pte, e.va);
        if (pte && pte.page === e.page) continue;
        k.violation('I11', [c, cpu.id], [m.name, t.name, k.pageName(e.page)],
          `flush of ${m.name} on CPU${c} took the shortcut (${shortcut}) but ${t.name} on CPU${cpu.id} uses ${m.name} and keeps ${hex(e.va)} -> ${k.pageName(e.page)}`);
      }
    }
  }
  if (k.arch.invariants?.cpuTlbstate && gen > 0) {
    for (const cpu of s.cpus) {
      if (cpu.loaded_mm !== mm || cpu.is_lazy || k.arch.switchingMm?.(k, cpu.id)) continue;
      const slot = cpu.ctxs[cpu.tag];
      if (slot && slot.tlb_gen < gen) {
        k.violation('I6', [c, cpu.id], [m.name], `flush of ${m.name} (generation ${gen}) completed but CPU${cpu.id}, active on it, is still at tlb_gen ${slot.tlb_gen}`);
      }
    }
  }
}

/**
 * I16 for the up-front fullmm flush: one flush at the start is enough only if no CPU can refill a translation of M
 * afterwards. The exiting CPU is itself lazily on M (its active_mm is M: the VM_BUG_ON Linus asked for fires), and
 * lazy kthreads elsewhere may be too; it matters where the hardware keeps M attached and may fill from it
 * (speculation rules differ: s390's 2012 rule allowed no fills in kernel mode, which made its up-front scheme sound).
 */
export function checkFullmmExclusive(k: Kernel, c: CpuId, mm: MmId): void {
  const s = k.s;
  const m = s.mms[mm];
  const refills = (x: CpuId) => s.cpus[x].loaded_mm === mm && k.arch.canSpeculate(k, x);
  const cur = s.tasks[s.cpus[c].curr];
  if (cur.active_mm === mm && refills(c)) {
    k.violation('I16', [c], [m.name, cur.name],
      `fullmm teardown of ${m.name} flushes once up front, but the exiting ${cur.name} on CPU${c} is still lazily on ${m.name} (VM_BUG_ON(current->active_mm == mm) fires) and its MMU can refill from it`);
  }
  for (const cpu of s.cpus) {
    if (cpu.id === c) continue;
    const t = s.tasks[cpu.curr];
    if (t.mm === NONE && refills(cpu.id)) {
      k.violation('I16', [c, cpu.id], [m.name, t.name],
        `fullmm teardown of ${m.name} assumes nobody uses it, but ${t.name} on CPU${cpu.id} is lazily on ${m.name} and its MMU can refill from it`);
    }
  }
}
