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
    return null;
  },
  start: (k, c, op) => ({ fn: '__schedule', args: { next: op.to === 'idle' ? idleOf(k, c) : op.to } }),
  describe: (f) => `switch to ${f.to}${untilText(f)}`,
};

function idleOf(k: Kernel, c: CpuId): TaskId {
  // makeState creates CPU c's idle task as task c; the scan is only a fallback.
  return k.s.tasks[c]?.idle_of === c ? c : k.s.tasks.findIndex((t) => t.idle_of === c);
}
