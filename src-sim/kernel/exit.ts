/**
 * kernel/exit.c: do_exit -> exit_mm -> mmput, then the task is dead and does one final schedule().
 *
 * After exit_mm the task is a lazy user of its own (possibly dying) mm: mm == NULL, active_mm == M. If it was the
 * last user, exit_mmap runs on this CPU while this CPU is lazy on M (T5).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { NONE, type MmId } from '../model/types.ts';
import { mmgrab_lazy_tlb } from './sched_mm.ts';
import { smp_mb } from './barrier.ts';

defineFn('do_exit', 'kernel/exit.c', {
  exit_mm_release(_k, _c) {
    return 'mmgrab_lazy_tlb';
  },
  mmgrab_lazy_tlb(k, c, f) {
    const t = k.s.tasks[c.curr];
    f.l.mm = t.mm;
    mmgrab_lazy_tlb(k, t.mm);
    return 'task_lock';
  },
  /** BUG_ON(active_mm != mm); smp_mb__after_spinlock(); local_irq_disable(). */
  task_lock(k, c, f) {
    k.inv.exitMm(k, c.id, f.l.mm as MmId);
    smp_mb(k, c.id);
    k.cpu(c.id).irqs_off++;
    return 'current_mm_null';
  },
  current_mm_null(k, c, f) {
    k.task(c.curr).mm = NONE;
    return call(k.arch.fns.enter_lazy_tlb, { mm: f.l.mm }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return 'mmput';
  },
  mmput: (_k, _c, f) => call('mmput', { mm: f.l.mm }, 'do_task_dead'),
  do_task_dead(k, c) {
    k.task(c.curr).state = 'dead';
    return RET;
  },
});
