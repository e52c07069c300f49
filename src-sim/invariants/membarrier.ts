/**
 * I12c, judged when membarrier returns: every other CPU that runs user code of the mm was either IPI'd, or has stored
 * a new rq->curr since the snapshot (a context switch, which implies a full barrier and, for SYNC_CORE, I12a's sync).
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, MmId } from '../model/types.ts';

export function membarrierReturns(k: Kernel, self: CpuId, mm: MmId, targets: CpuId[], stores: number[]): void {
  for (const cpu of k.s.cpus) {
    if (cpu.id === self || targets.includes(cpu.id)) continue;
    const t = k.s.tasks[cpu.curr];
    if (t.mm !== mm || cpu.mode !== 'user') continue;
    if (cpu.curr_stores > stores[cpu.id]) continue;
    k.violation('I12c', [cpu.id], [k.mmName(mm), t.name],
      `membarrier returned but CPU${cpu.id} runs user code of ${k.mmName(mm)} and was neither IPI'd nor switched since the snapshot`);
  }
}
