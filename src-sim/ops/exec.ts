/** `exec`: the running task replaces its mm with a new one (exec_mmap). */
import { z } from 'zod';
import { NONE } from '../model/types.ts';
import { common, name, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('exec'), mm: name });
export type ExecOp = { do: 'exec'; mm: string };

export const execOp: OpDef<typeof schema, ExecOp> = {
  schema,
  creates: (f, n) => void n.mms.add(f.mm),
  check: (f) => (f.mm === 'init_mm' ? ['mm', 'init_mm is built in'] : null),
  resolve: (_k, f) => ({ do: 'exec', mm: f.mm }),
  refuse(k, _c, op, cur) {
    if (cur.idle_of >= 0) return `${cur.name} is an idle task`;
    if (k.names.mm(k.s.mms, op.mm) >= 0) return `an mm named ${op.mm} already exists`;
    if (cur.kthread && cur.mm !== NONE) return `${cur.name} is inside use_mm`;
    return null;
  },
  start: (_k, _c, op) => ({ fn: 'exec_mmap', args: { name: op.mm } }),
  describe: (f) => `exec (new mm ${f.mm})${untilText(f)}`,
};
