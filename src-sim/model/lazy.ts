/**
 * Lazy TLB mode, defined once for the whole app (tracks, playhead view, tests): a CPU is lazy when its current task has
 * no mm of its own (a kernel thread, or a user task after exit_mm) and borrows a user mm as active_mm, on every arch;
 * or when x86's cpu_tlbstate_shared.is_lazy is set (the flag the remote flushers read).
 */
import { INIT_MM, type Cpu, type CpuId, type Task } from './types.ts';

/** A working state or a snapshot. */
export function isLazy(s: { readonly cpus: readonly Pick<Cpu, 'is_lazy' | 'curr'>[]; readonly tasks: readonly Task[] }, c: CpuId): boolean {
  const cpu = s.cpus[c];
  if (cpu.is_lazy) return true;
  const t = s.tasks[cpu.curr];
  return t.mm < 0 && t.active_mm > INIT_MM;
}
