/** `clone`: the running user task creates a thread sharing its mm (copy_process). */
import { z } from 'zod';
import { common, name, noMm, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('clone'), name });
export type CloneOp = { do: 'clone'; name: string };

export const cloneOp: OpDef<typeof schema, CloneOp> = {
  schema,
  creates: (f, n) => void n.tasks.add(f.name),
  check: (f) => (/^swapper\//.test(f.name) || f.name === 'idle' ? ['name', `${f.name} is reserved for the idle tasks`] : null),
  resolve: (_k, f) => ({ do: 'clone', name: f.name }),
  refuse(k, c, op, cur) {
    if (cur.kthread) return `${cur.name} is a kernel thread; clone a user task`;
    if (k.names.task(k.s.tasks, op.name) >= 0) return `a task named ${op.name} already exists`;
    return noMm(cur, c);
  },
  start: (_k, _c, op) => ({ fn: 'copy_process', args: { name: op.name } }),
  describe: (f) => `clone thread ${f.name}${untilText(f)}`,
};
