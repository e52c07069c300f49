/**
 * kernel/sched/core.c: __schedule, context_switch, finish_task_switch.
 *
 * context_switch, v6 era (6.12), the case table of the kernel's own comment:
 *   kernel -> kernel   lazy + transfer active_mm (no refcount traffic)
 *     user -> kernel   lazy + mmgrab_lazy_tlb() active_mm
 *   kernel -> user     switch + mmdrop_lazy_tlb() active_mm (via rq->prev_mm, in finish_task_switch)
 *     user -> user     switch
 * v4 era (<= ~5.8): every switch to a kthread does mmgrab(oldmm); every switch away from one parks oldmm in
 * rq->prev_mm, so kthread -> kthread costs a grab and a drop.
 *
 * Shortcut, stated: the runqueue is not modelled; the scenario names the next task (`switch` op).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { NONE, type CpuId, type MmId, type TaskId } from '../model/types.ts';
import { mmgrab, mmgrab_lazy_tlb } from './sched_mm.ts';
import { SYNC_CORE_REGISTERED, syncCore } from './membarrier.ts';
import { smp_mb } from './barrier.ts';

defineFn('__schedule', 'kernel/sched/core.c', {
  local_irq_disable(k, c) {
    k.cpu(c.id).irqs_off++;
    return 'pick_next_task';
  },
  /**
   * rq_lock + smp_mb__after_spinlock() (ordering this CPU's earlier user accesses before the store, for membarrier),
   * then rq->curr = next: the store membarrier's ordering arguments are about.
   */
  pick_next_task(k, c, f) {
    smp_mb(k, c.id);
    const cpu = k.cpu(c.id);
    const prev = k.task(cpu.curr);
    const next = k.task(f.l.next as TaskId);
    f.l.prev = prev.id;
    if (prev.state === 'running') prev.state = 'runnable';
    next.state = 'running';
    next.cpu = c.id;
    if (prev.id !== next.id) {
      cpu.curr = next.id;
      cpu.curr_stores++;
      // Ghost for I12a: did rq->curr->mm change with this store? Then a core-serialising event must follow before
      // user code runs.
      cpu.needs_core_sync = prev.mm !== next.mm;
      cpu.serialized_since_curr_store = false;
    }
    // Picking the task that already runs: no context switch, interrupts come back on.
    if (prev.id === next.id) return 'local_irq_enable';
    return call('context_switch', { prev: prev.id, next: next.id }, 'done');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return RET;
  },
  done: () => RET,
});

defineFn('context_switch', 'kernel/sched/core.c', {
  context_switch(k, _c, f) {
    const next = k.s.tasks[f.l.next as TaskId];
    if (next.mm === NONE) {
      // to kernel
      return k.s.config.context_switch_era === 'v4' ? 'mmgrab_oldmm' : 'enter_lazy_tlb';
    }
    // to user
    return 'membarrier_switch_mm';
  },
  // ---- to kernel ----
  mmgrab_oldmm(k, _c, f) {
    // v4: next->active_mm = oldmm; mmgrab(oldmm), whatever prev was.
    const prev = k.s.tasks[f.l.prev as TaskId];
    const oldmm = prev.active_mm;
    k.task(f.l.next as TaskId).active_mm = oldmm;
    mmgrab(k, oldmm);
    return call(k.arch.fns.enter_lazy_tlb, { mm: oldmm }, 'park_prev_mm');
  },
  enter_lazy_tlb(k, _c, f) {
    const prev = k.s.tasks[f.l.prev as TaskId];
    return call(k.arch.fns.enter_lazy_tlb, { mm: prev.active_mm }, 'borrow_active_mm');
  },
  borrow_active_mm(k, _c, f) {
    const prev = k.task(f.l.prev as TaskId);
    const next = k.task(f.l.next as TaskId);
    next.active_mm = prev.active_mm;
    if (prev.mm !== NONE) {
      // from user: the kthread becomes a lazy user of prev's mm
      mmgrab_lazy_tlb(k, prev.active_mm);
    } else {
      // from kernel: the lazy reference moves to next
      prev.active_mm = NONE;
    }
    return 'switch_to';
  },
  // ---- to user ----
  membarrier_switch_mm(k, c, f) {
    const prev = k.s.tasks[f.l.prev as TaskId];
    const next = k.s.tasks[f.l.next as TaskId];
    if (prev.active_mm !== next.mm) k.cpu(c.id).membarrier_state = k.s.mms[next.mm].membarrier_state;
    return call(k.arch.fns.switch_mm_irqs_off, { prev: prev.active_mm, next: next.mm }, 'park_prev_mm');
  },
  park_prev_mm(k, c, f) {
    const prev = k.task(f.l.prev as TaskId);
    if (prev.mm === NONE) {
      // from kernel: the lazy reference is dropped in finish_task_switch
      k.cpu(c.id).prev_mm = prev.active_mm;
      prev.active_mm = NONE;
    }
    return 'switch_to';
  },
  /** switch_to: on arm64 __switch_to's dsb(ish) is the full barrier membarrier needs after the rq->curr store. */
  switch_to(k, c, f) {
    if (k.arch.switchBarrier === 'switch_to') smp_mb(k, c.id);
    return call('finish_task_switch', { prev: f.l.prev }, 'ret');
  },
  ret: () => RET,
});

defineFn('finish_task_switch', 'kernel/sched/core.c', {
  take_prev_mm(k, c, f) {
    const cpu = k.cpu(c.id);
    f.l.mm = cpu.prev_mm;
    cpu.prev_mm = NONE;
    return 'finish_lock_switch';
  },
  /**
   * raw_spin_rq_unlock_irq: interrupts come back on here; held IPIs are taken now. Where spin_unlock is a full barrier
   * (alpha, mips), this is the one membarrier relies on after the rq->curr store.
   */
  finish_lock_switch(k, c) {
    k.cpu(c.id).irqs_off--;
    if (k.arch.switchBarrier === 'finish_lock_switch') smp_mb(k, c.id);
    return k.arch.fns.finish_arch_post_lock_switch ? 'finish_arch_post_lock_switch' : 'membarrier_mm_sync_core_before_usermode';
  },
  finish_arch_post_lock_switch: (k) => call(k.arch.fns.finish_arch_post_lock_switch, {}, 'membarrier_mm_sync_core_before_usermode'),
  membarrier_mm_sync_core_before_usermode(k, c, f) {
    const mm = f.l.mm as MmId;
    if (mm === NONE || k.s.config.membarrier_sync_core !== 'scheduler') return 'mmdrop_lazy_tlb';
    const cur = k.s.tasks[c.curr];
    // current->mm != prev_mm: the mm changed, so switch_mm wrote CR3 (or the arch's equivalent).
    if (cur.mm !== mm) return 'mmdrop_lazy_tlb';
    if (!(k.s.mms[mm].membarrier_state & SYNC_CORE_REGISTERED)) return 'mmdrop_lazy_tlb';
    syncCore(k, c.id, true);
    return 'mmdrop_lazy_tlb';
  },
  mmdrop_lazy_tlb(k, _c, f) {
    const mm = f.l.mm as MmId;
    if (mm === NONE) return 'put_task_struct';
    const fn = k.s.config.context_switch_era === 'v4' ? 'mmdrop' : 'mmdrop_lazy_tlb';
    return call(fn, { mm }, 'put_task_struct');
  },
  put_task_struct(k, _c, f) {
    const prev = k.s.tasks[f.l.prev as TaskId];
    if (prev.state === 'dead') k.task(prev.id).cpu = NONE as CpuId;
    return RET;
  },
});
