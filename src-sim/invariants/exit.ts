/**
 * Invariants judged on the exit and teardown paths:
 * - I10b with MMU_LAZY_TLB_SHOOTDOWN, at the instant cleanup_lazy_tlbs starts: every CPU where a task still has M as
 *        active_mm is in mm_cpumask(M), or the shootdown misses it;
 * - I16  exit_mm's BUG_ON(active_mm != mm): the exiting task is on its own mm when it takes the task lock.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, MmId } from '../model/types.ts';

export function lazyShootdown(k: Kernel, mm: MmId): void {
  const m = k.s.mms[mm];
  for (const cpu of k.s.cpus) {
    const t = k.s.tasks[cpu.curr];
    if (t.active_mm === mm && !m.cpumask[cpu.id]) {
      k.violation('I10b', [cpu.id], [m.name, t.name],
        `__mmdrop(${m.name}): ${t.name} on CPU${cpu.id} still has active_mm = ${m.name} but CPU${cpu.id} is not in mm_cpumask, so the lazy shootdown misses it`);
    }
  }
}

export function exitMm(k: Kernel, c: CpuId, mm: MmId): void {
  const t = k.s.tasks[k.s.cpus[c].curr];
  if (t.active_mm !== mm) {
    k.violation('I16', [c], [t.name], `exit_mm: ${t.name}'s active_mm (${k.mmName(t.active_mm)}) is not its mm (${k.mmName(mm)})`);
  }
}
