/**
 * Sched-RCU as far as page-table freeing needs it (kernel/rcu/tree.c, as used by mm/mmu_gather.c
 * tlb_remove_table_free -> call_rcu(tlb_remove_table_rcu)).
 *
 * A callback queued with call_rcu runs once a grace period has ended: every CPU has passed a quiescent state since it
 * was queued. For sched-RCU a CPU with interrupts (hence preemption) disabled is in a read-side critical section; that
 * is what lockless page-table walkers (GUP-fast, mm/gup.c gup_fast: local_irq_save around the walk) rely on.
 *
 * Shortcuts, stated:
 * - a CPU passes its quiescent state as soon as it is seen with interrupts on at the end of a micro-step (any CPU's).
 *   Preempt-disabled regions and rcu_read_lock() sections are not modelled (no modelled walker relies on them), so a
 *   grace period ends as early as it legitimately could: the adversarial choice for the walkers that are modelled;
 * - the callback (tlb_remove_table_rcu -> __tlb_remove_table_free) runs at once when the grace period ends, inside
 *   the micro-step that ended it, not later from the RCU softirq of the CPU that queued it; the pages are attributed
 *   to that CPU's callback.
 */
import { registerRcu, type Kernel } from '../engine/kernel.ts';
import type { Reasoned } from '../engine/policy.ts';
import type { CpuId, MmId, PageId, RcuCallback } from '../model/types.ts';
import { freePage } from './pages.ts';

/** Whether page-table pages go through RCU (CONFIG_MMU_GATHER_RCU_TABLE_FREE), with the reason. */
export function rcuTableFree(k: Kernel): Reasoned {
  const knob = k.s.config.rcu_table_free;
  if (knob === 'on') return { value: true, why: 'rcu_table_free: "on"' };
  if (knob === 'off') return { value: false, why: 'rcu_table_free: "off"' };
  return k.arch.rcuTableFree?.(k) ?? { value: false, why: `${k.arch.name} does not select MMU_GATHER_RCU_TABLE_FREE` };
}

/**
 * The page-table pages of mm are freed now: they leave the mm's unhooked list (the I9 ghost) in one pass, then go back
 * to the allocator, attributed to `by` if given.
 */
export function freeTables(k: Kernel, c: CpuId, mm: MmId, tables: PageId[], by?: string): void {
  if (!tables.length) return;
  const m = k.mm(mm);
  const gone = new Set(tables);
  m.unhooked = m.unhooked.filter((x) => !gone.has(x));
  for (const p of tables) freePage(k, p, c, by);
}

/**
 * call_rcu(tlb_remove_table_rcu) on CPU c for a batch of mm's page-table pages. The grace period waits for the CPUs
 * that have interrupts off now; with none, it is already over and the batch is freed at once.
 */
export function callRcuTables(k: Kernel, c: CpuId, mm: MmId, tables: PageId[], queuedBy: string): void {
  const waiting = k.s.cpus.filter((x) => x.irqs_off > 0).map((x) => x.id);
  const cb: RcuCallback = { mm, tables, waiting, queued_by: queuedBy };
  if (!waiting.length) {
    invoke(k, c, cb);
    return;
  }
  const cpu = k.cpu(c);
  cpu.rcu_cbs = [...cpu.rcu_cbs, cb];
  k.rcuPending++;
}

function invoke(k: Kernel, c: CpuId, cb: RcuCallback): void {
  freeTables(k, c, cb.mm, cb.tables, `CPU${c}'s RCU callback tlb_remove_table_rcu, queued in ${cb.queued_by}`);
}

/** After a micro-step: CPUs seen with interrupts on pass their quiescent state; callbacks whose grace period ended run. */
function tick(k: Kernel): void {
  for (const owner of k.s.cpus) {
    if (!owner.rcu_cbs.length) continue;
    const due: RcuCallback[] = [];
    let changed = false;
    const kept: RcuCallback[] = [];
    for (const cb of owner.rcu_cbs) {
      const waiting = cb.waiting.filter((x) => k.s.cpus[x].irqs_off > 0);
      if (waiting.length === cb.waiting.length) {
        kept.push(cb);
        continue;
      }
      changed = true;
      if (waiting.length) kept.push({ ...cb, waiting });
      else due.push(cb);
    }
    if (!changed) continue;
    k.cpu(owner.id).rcu_cbs = kept;
    k.rcuPending -= due.length;
    for (const cb of due) invoke(k, owner.id, cb);
  }
}

registerRcu(tick);
