/** `switch`: schedule to a task (or the CPU's idle task): __schedule on the step's CPU. */
import { z } from 'zod';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, TaskId } from '../model/types.ts';
import { common, name, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('switch'), to: name });
export type SwitchOp = { do: 'switch'; to: TaskId | 'idle' };

export const switchOp: OpDef<typeof schema, SwitchOp> = {
  schema,
  check: (f, n) => (f.to !== 'idle' && !n.tasks.has(f.to) ? ['to', `task ${f.to} is not defined`] : null),
  resolve(k, f) {
    if (f.to === 'idle') return { do: 'switch', to: 'idle' };
    const t = k.names.task(k.s.tasks, f.to);
    return t < 0 ? `task ${f.to} does not exist (yet)` : { do: 'switch', to: t };
  },
  refuse(k, c, op) {
    if (op.to === 'idle') return null;
    const t = k.s.tasks[op.to];
    if (t.state === 'dead') return `${t.name} has exited`;
    if (t.idle_of >= 0 && t.idle_of !== c) return `${t.name} is CPU${t.idle_of}'s idle task`;
    if (t.state === 'running' && t.cpu !== c) return `${t.name} is running on CPU${t.cpu}`;
    const d = switchingAwayFrom(k, c, op.to);
    if (d >= 0) return `CPU${d} is still switching away from ${t.name} (its context switch has not reached finish_task_switch)`;
    return null;
  },
  start: (k, c, op) => ({ fn: '__schedule', args: { next: op.to === 'idle' ? idleOf(k, c) : op.to } }),
  describe: (f) => `switch to ${f.to}${untilText(f)}`,
};

function idleOf(k: Kernel, c: CpuId): TaskId {
  // makeState creates CPU c's idle task as task c; the scan is only a fallback.
  return k.s.tasks[c]?.idle_of === c ? c : k.s.tasks.findIndex((t) => t.idle_of === c);
}

/**
 * The CPU other than c that is still switching away from task t, or -1. A task leaves its CPU only when that CPU's
 * context switch clears prev->on_cpu (kernel/sched/core.c finish_task, in finish_task_switch just before the runqueue
 * lock is dropped: folded into our finish_task_switch.finish_lock_switch); until then no other CPU may run it
 * (try_to_wake_up waits for on_cpu to clear, and the load balancer does not migrate a task that is on a CPU).
 */
export function switchingAwayFrom(k: Kernel, c: CpuId, t: TaskId): CpuId {
  for (const cpu of k.s.cpus) {
    if (cpu.id === c) continue;
    const st = cpu.stack;
    for (let i = 0; i < st.length; i++) {
      const f = st[i];
      if (f.fn !== 'context_switch' || f.l.prev !== t) continue;
      const fin = st[i + 1];
      if (f.pc !== 'ret' || (fin?.fn === 'finish_task_switch' && (fin.pc === 'take_prev_mm' || fin.pc === 'finish_lock_switch'))) return cpu.id;
    }
  }
  return -1;
}
