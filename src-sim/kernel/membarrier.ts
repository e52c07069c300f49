/**
 * kernel/sched/membarrier.c and include/linux/sched/mm.h (membarrier_mm_sync_core_before_usermode).
 *
 * PRIVATE_EXPEDITED[_SYNC_CORE]: snapshot the CPUs whose rq->curr->mm is the caller's mm, IPI them (SYNC_CORE also
 * runs the handler on the caller's CPU), wait. CPUs running a kthread, even one lazily on the mm, are not IPI'd: they
 * must serialise themselves when they switch back to a thread of the mm (T3).
 *
 * Shortcut, stated: GLOBAL_EXPEDITED and the rseq variants are not modelled.
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, MmId } from '../model/types.ts';
import { smp_mb } from './barrier.ts';

export const PRIVATE_EXPEDITED_READY = 1 << 0;
export const PRIVATE_EXPEDITED = 1 << 1;
export const PRIVATE_EXPEDITED_SYNC_CORE_READY = 1 << 4;
export const PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5;
/** The bit membarrier_mm_sync_core_before_usermode tests. */
export const SYNC_CORE_REGISTERED = PRIVATE_EXPEDITED_SYNC_CORE;

/**
 * sync_core_before_usermode(): a core-serialising instruction on x86 (a no-op under PTI, whose return path already
 * serialises); empty on the other architectures, whose return to user is context-synchronising.
 */
export function syncCore(k: Kernel, c: CpuId, onSwitch: boolean): void {
  // Where the return to user already serialises (every arch but x86 without PTI), the hook does nothing.
  if (k.arch.returnSerializes(k)) return;
  const cpu = k.cpu(c);
  k.s.counters.coreSyncs++;
  // I12b (a metric): on the way back from a switch, a serialising event (a CR3 write) already happened since the
  // rq->curr store. The sync membarrier's own IPI asks for is never redundant: it orders against the call itself.
  if (onSwitch && cpu.serialized_since_curr_store) k.s.counters.redundantCoreSyncs++;
  cpu.serialized_since_curr_store = true;
}

/** A CR3 write (or any other core-serialising event) on CPU c: also a full barrier. */
export function coreSerialized(k: Kernel, c: CpuId): void {
  k.cpu(c).serialized_since_curr_store = true;
  smp_mb(k, c);
}

defineFn('membarrier_register', 'kernel/sched/membarrier.c', {
  membarrier_register_private_expedited(k, c, f) {
    const mm = k.s.tasks[c.curr].mm;
    const m = k.mm(mm);
    const sync = f.l.sync_core as boolean;
    m.membarrier_state |= sync ? PRIVATE_EXPEDITED_SYNC_CORE | PRIVATE_EXPEDITED_SYNC_CORE_READY : PRIVATE_EXPEDITED | PRIVATE_EXPEDITED_READY;
    // sync_runqueues_membarrier_state: CPUs running the mm see the new state
    for (const cpu of k.s.cpus) if (k.s.tasks[cpu.curr].mm === mm) k.cpu(cpu.id).membarrier_state = m.membarrier_state;
    return RET;
  },
});

defineFn('membarrier', 'kernel/sched/membarrier.c', {
  membarrier_private_expedited(k, c, f) {
    const mm = k.s.tasks[c.curr].mm;
    const m = k.s.mms[mm];
    f.l.mm = mm;
    const sync = f.l.sync_core as boolean;
    if (!sync && (m.mm_users === 1 || k.s.cpus.length === 1)) return RET;
    return 'snapshot_rq_curr';
  },
  /** smp_mb(); then read every CPU's rq->curr->mm. */
  snapshot_rq_curr(k, c, f) {
    smp_mb(k, c.id);
    const mm = f.l.mm as MmId;
    const sync = f.l.sync_core as boolean;
    const targets: CpuId[] = [];
    for (const cpu of k.s.cpus) {
      if (cpu.id === c.id) continue;
      if (k.s.tasks[cpu.curr].mm === mm) targets.push(cpu.id);
    }
    f.l.targets = targets;
    f.l.stores = k.s.cpus.map((x) => x.curr_stores);
    f.l.ipi = k.sendIpi(c.id, targets, sync ? 'ipi_sync_core' : 'ipi_mb', { mm });
    // The SYNC_CORE handler also runs on the caller's CPU.
    if (sync) return call('ipi_sync_core', { mm }, 'wait');
    return 'wait';
  },
  wait: when(ipisDone, () => 'smp_mb'),
  smp_mb(k, c, f) {
    smp_mb(k, c.id);
    k.inv.membarrierReturns(k, c.id, f.l.mm as MmId, f.l.targets as CpuId[], f.l.stores as number[]);
    return RET;
  },
});

defineFn('ipi_mb', 'kernel/sched/membarrier.c', {
  smp_mb(k, c) {
    smp_mb(k, c.id);
    return RET;
  },
});

defineFn('ipi_sync_core', 'kernel/sched/membarrier.c', {
  /** smp_mb() ("IPIs should be serializing but paranoid"), then the core sync. */
  sync_core_before_usermode(k, c) {
    smp_mb(k, c.id);
    syncCore(k, c.id, false);
    return RET;
  },
});

