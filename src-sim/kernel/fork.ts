/**
 * kernel/fork.c copy_process with CLONE_VM: a new thread of the current mm (mmget). The new task starts runnable.
 */
import { RET, defineFn } from '../engine/fn.ts';
import { newTask } from '../model/make.ts';

defineFn('copy_process', 'kernel/fork.c', {
  copy_mm(k, c, f) {
    const parent = k.s.tasks[c.curr];
    const m = k.mm(parent.mm);
    m.mm_users++;
    const id = newTask(k.s, f.l.name as string, false, parent.mm);
    k.growTo(k.s.tasks.length, k.s.mms.length);
    k.task(id);
    return RET;
  },
});
