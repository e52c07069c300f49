/**
 * A kernel thread borrowing a user mm.
 *
 * kernel/kthread.c (6.x) kthread_use_mm: mmgrab (the "use" reference), then, with interrupts off, active_mm = mm = M
 * and switch_mm_irqs_off, then mmdrop_lazy_tlb of the old active_mm. kthread_unuse_mm: with interrupts off, mm = NULL,
 * mmgrab_lazy_tlb, enter_lazy_tlb; then mmdrop of the use reference. The caller is expected to hold an mm_users
 * reference (mmget_not_zero): a convention, not enforced.
 *
 * mm/mmu_context.c (<= 5.7) use_mm: no interrupts-off bracket (an IPI can land between the active_mm update and the
 * switch), mmgrab only when active_mm changes, and no mmget: the T2 bug surface. Andrea Arcangeli's 2020 fix
 * (config.use_mm_takes_mmget) adds mmget in use_mm and mmput in unuse_mm.
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { NONE, type MmId } from '../model/types.ts';
import { mmgrab, mmgrab_lazy_tlb } from './sched_mm.ts';
import { smp_mb } from './barrier.ts';

defineFn('kthread_use_mm', 'kernel/kthread.c', {
  mmgrab(k, _c, f) {
    mmgrab(k, f.l.mm as MmId);
    if (k.s.config.use_mm_takes_mmget) k.mm(f.l.mm as MmId).mm_users++;
    return 'local_irq_disable';
  },
  local_irq_disable(k, c) {
    k.cpu(c.id).irqs_off++;
    return 'set_active_mm';
  },
  set_active_mm(k, c, f) {
    const t = k.task(c.curr);
    f.l.old = t.active_mm;
    t.active_mm = f.l.mm as MmId;
    t.mm = f.l.mm as MmId;
    // Ghost for I14: task and hardware disagree until the switch is done (only if the mm really changes here).
    k.cpu(c.id).mid_switch = k.s.cpus[c.id].loaded_mm !== f.l.mm;
    return call(k.arch.fns.switch_mm_irqs_off, { prev: f.l.old, next: f.l.mm }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    const cpu = k.cpu(c.id);
    cpu.mid_switch = false;
    cpu.irqs_off--;
    return k.arch.fns.finish_arch_post_lock_switch ? 'finish_arch_post_lock_switch' : 'mmdrop_lazy_tlb';
  },
  finish_arch_post_lock_switch: (k) => call(k.arch.fns.finish_arch_post_lock_switch, {}, 'mmdrop_lazy_tlb'),
  mmdrop_lazy_tlb: (_k, _c, f) => call('mmdrop_lazy_tlb', { mm: f.l.old }, 'ret'),
  ret: () => RET,
});

defineFn('kthread_unuse_mm', 'kernel/kthread.c', {
  /** smp_mb__after_spinlock() (membarrier: user accesses before the tsk->mm store), then interrupts off. */
  local_irq_disable(k, c, f) {
    smp_mb(k, c.id);
    f.l.mm = k.s.tasks[c.curr].mm;
    k.cpu(c.id).irqs_off++;
    return 'clear_mm';
  },
  clear_mm(k, c, f) {
    k.task(c.curr).mm = NONE;
    mmgrab_lazy_tlb(k, f.l.mm as MmId);
    return call(k.arch.fns.enter_lazy_tlb, { mm: f.l.mm }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return 'mmdrop';
  },
  mmdrop(k, _c, f) {
    return call('mmdrop', { mm: f.l.mm }, k.s.config.use_mm_takes_mmget ? 'mmput' : 'ret');
  },
  mmput: (_k, _c, f) => call('mmput', { mm: f.l.mm }, 'ret'),
  ret: () => RET,
});

defineFn('use_mm', 'mm/mmu_context.c', {
  task_lock(_k, _c) {
    return 'set_active_mm';
  },
  /** Interrupts are on: a flush IPI can land between here and switch_mm. */
  set_active_mm(k, c, f) {
    const t = k.task(c.curr);
    const mm = f.l.mm as MmId;
    f.l.old = t.active_mm;
    if (t.active_mm !== mm) {
      mmgrab(k, mm);
      t.active_mm = mm;
    }
    if (k.s.config.use_mm_takes_mmget) k.mm(mm).mm_users++;
    // Ghost for I14: task and hardware disagree until switch_mm is done (only if the mm really changes here).
    k.cpu(c.id).mid_switch = k.s.cpus[c.id].loaded_mm !== mm;
    return 'set_mm';
  },
  set_mm(k, c, f) {
    k.task(c.curr).mm = f.l.mm as MmId;
    return call('switch_mm', { prev: f.l.old, next: f.l.mm }, 'task_unlock');
  },
  task_unlock(k, c) {
    k.cpu(c.id).mid_switch = false;
    return k.arch.fns.finish_arch_post_lock_switch ? 'finish_arch_post_lock_switch' : 'mmdrop_old';
  },
  finish_arch_post_lock_switch: (k) => call(k.arch.fns.finish_arch_post_lock_switch, {}, 'mmdrop_old'),
  mmdrop_old(_k, _c, f) {
    if ((f.l.old as MmId) !== (f.l.mm as MmId)) return call('mmdrop', { mm: f.l.old }, 'ret');
    return RET;
  },
  ret: () => RET,
});

defineFn('unuse_mm', 'mm/mmu_context.c', {
  clear_mm(k, c, f) {
    const mm = k.s.tasks[c.curr].mm;
    f.l.mm = mm;
    k.task(c.curr).mm = NONE;
    // active_mm stays: use_mm's reference becomes the lazy reference.
    return call(k.arch.fns.enter_lazy_tlb, { mm }, k.s.config.use_mm_takes_mmget ? 'mmput' : 'ret');
  },
  mmput: (_k, _c, f) => call('mmput', { mm: f.l.mm }, 'ret'),
  ret: () => RET,
});
