/**
 * fs/exec.c exec_mmap: the task gets a new mm. With ARCH_WANT_IRQS_OFF_ACTIVATE_MM the switch happens with interrupts
 * off. Then the old mm loses a user (mmput), or, for a kthread that execs, its lazy reference (mmdrop_lazy_tlb).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { NONE, type Cpu, type MmId } from '../model/types.ts';
import type { Kernel } from '../engine/kernel.ts';
import { newMm } from '../model/make.ts';

/**
 * A new mm_struct (mm_alloc / dup_mm's allocation and mm_init): mm_users 1, mm_count 1, a new context; made at the CPU's
 * trace clock, when it has one (x86's time-based cpumask trim dates an mm from it).
 */
export function allocMm(k: Kernel, c: Cpu, name: string): MmId {
  const mm = newMm(k.s, name);
  k.growTo(k.s.tasks.length, k.s.mms.length);
  const m = k.mm(mm);
  if (c.now !== undefined) m.created_at = c.now;
  return mm;
}

defineFn('exec_mmap', 'fs/exec.c', {
  mm_alloc(k, c, f) {
    f.l.new = allocMm(k, c, f.l.name as string);
    return 'local_irq_disable';
  },
  local_irq_disable(k, c, f) {
    const t = k.s.tasks[c.curr];
    f.l.old_mm = t.mm;
    f.l.old_active = t.active_mm;
    k.cpu(c.id).irqs_off++;
    return 'activate_mm';
  },
  activate_mm(k, c, f) {
    const t = k.task(c.curr);
    t.active_mm = f.l.new as MmId;
    t.mm = f.l.new as MmId;
    t.kthread = false; // begin_new_exec clears PF_KTHREAD: a kernel thread that execs becomes a user task
    return call(k.arch.fns.switch_mm_irqs_off, { prev: f.l.old_active, next: f.l.new }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    // activate_mm on s390 also loads the user ASCE (set_user_asce); the model uses the post-switch hook for it.
    return k.arch.fns.finish_arch_post_lock_switch ? 'finish_arch_post_lock_switch' : 'mmput_old';
  },
  finish_arch_post_lock_switch: (k) => call(k.arch.fns.finish_arch_post_lock_switch, {}, 'mmput_old'),
  mmput_old(_k, _c, f) {
    if ((f.l.old_mm as MmId) !== NONE) return call('mmput', { mm: f.l.old_mm }, 'done');
    return call('mmdrop_lazy_tlb', { mm: f.l.old_active }, 'done');
  },
  done: () => RET,
});
