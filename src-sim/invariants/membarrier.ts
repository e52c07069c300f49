/**
 * I12c, judged when membarrier returns: every other CPU that ran user code of the mm during the call was IPI'd, or
 * stored a new rq->curr after the snapshot and then executed a full barrier before running user code (kernel/barrier.ts
 * counts them: switch_mm's, mmdrop_lazy_tlb's, finish_lock_switch's or switch_to's where the arch has one; the
 * smp_mb__after_spinlock before the store does not count). kernel/sched/core.c finish_task_switch and
 * kernel/sched/membarrier.c state the requirement.
 *
 * Shortcut, stated: a CPU remembers only its latest return to user code without such a barrier; one that is followed
 * by another switch and a properly ordered return before membarrier returns is forgotten.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, MmId } from '../model/types.ts';

export function membarrierReturns(k: Kernel, self: CpuId, mm: MmId, targets: CpuId[], stores: number[]): void {
  for (const cpu of k.s.cpus) {
    if (cpu.id === self || targets.includes(cpu.id)) continue;
    const t = k.s.tasks[cpu.curr];
    const u = cpu.unordered_entry;
    // Entered user code of mm after a store made since the snapshot, with no barrier after the first such store.
    if (u && u.mm === mm && u.store > stores[cpu.id] && u.mb <= stores[cpu.id]) {
      k.violation('I12c', [cpu.id], [k.mmName(mm), t.name],
        `membarrier returned but CPU${cpu.id} switched after the snapshot and ran user code of ${k.mmName(mm)} with no full barrier after its rq->curr store`);
      continue;
    }
    if (t.mm !== mm || cpu.mode !== 'user') continue;
    if (cpu.curr_stores > stores[cpu.id]) continue;
    k.violation('I12c', [cpu.id], [k.mmName(mm), t.name],
      `membarrier returned but CPU${cpu.id} runs user code of ${k.mmName(mm)} and was neither IPI'd nor switched since the snapshot`);
  }
}
