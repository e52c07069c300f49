/**
 * Full memory barriers as counted events: smp_mb() and what implies one (a value-returning atomic such as
 * atomic_dec_and_test, smp_mb__after_spinlock, a core-serialising instruction such as x86's CR3 write, arm64's
 * dsb(ish)). membarrier's guarantee rests on them (kernel/sched/membarrier.c, the ordering comments of __schedule and
 * finish_task_switch in kernel/sched/core.c): a CPU that stored a new rq->curr after membarrier's snapshot must execute
 * one before it runs user code (I12c judges it by the barriers that happened, invariants/membarrier.ts).
 *
 * Shortcut, stated: only the barriers of the paths membarrier relies on are counted (the scheduler, mm refcounts, the
 * arch switch_mm and flush paths, membarrier itself, exit_mm and kthread_unuse_mm), not every atomic in the kernel.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId } from '../model/types.ts';

/** A full barrier on CPU c: counted, and remembered as the latest one since rq->curr's last store. */
export function smp_mb(k: Kernel, c: CpuId): void {
  const cpu = k.cpu(c);
  cpu.full_mb++;
  cpu.mb_stores = cpu.curr_stores;
}
