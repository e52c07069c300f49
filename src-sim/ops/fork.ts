/**
 * `fork`: the running user task creates a process with a new mm, a copy of its own (kernel/fork.c copy_process without
 * CLONE_VM: copy_mm → dup_mm → dup_mmap, which ends by flushing the parent's mm).
 */
import { z } from 'zod';
import { common, name, noMm, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('fork'), name, mm: name });
export type ForkOp = { do: 'fork'; name: string; mm: string };

export const forkOp: OpDef<typeof schema, ForkOp> = {
  schema,
  creates: (f, n) => (n.tasks.add(f.name), void n.mms.add(f.mm)),
  check: (f) =>
    /^swapper\//.test(f.name) || f.name === 'idle' ? ['name', `${f.name} is reserved for the idle tasks`] : f.mm === 'init_mm' ? ['mm', 'init_mm is built in'] : null,
  resolve: (_k, f) => ({ do: 'fork', name: f.name, mm: f.mm }),
  refuse(k, c, op, cur) {
    if (cur.kthread) return `${cur.name} is a kernel thread; fork a user task`;
    if (k.names.task(k.s.tasks, op.name) >= 0) return `a task named ${op.name} already exists`;
    if (k.names.mm(k.s.mms, op.mm) >= 0) return `an mm named ${op.mm} already exists`;
    return noMm(cur, c);
  },
  start: (_k, _c, op) => ({ fn: 'copy_process', args: { name: op.name, mm_name: op.mm } }),
  describe: (f) => `fork ${f.name} (new mm ${f.mm})${untilText(f)}`,
};
