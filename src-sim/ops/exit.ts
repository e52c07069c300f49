/** `exit`: the running user task exits (do_exit: exit_mm, the last mmput tears the mm down). */
import { z } from 'zod';
import { common, noMm, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('exit') });
export type ExitOp = { do: 'exit' };

export const exitOp: OpDef<typeof schema, ExitOp> = {
  schema,
  resolve: () => ({ do: 'exit' }),
  refuse(_k, c, _op, cur) {
    if (cur.kthread || cur.idle_of >= 0) return `${cur.name} is a kernel thread; exit is modelled for user tasks`;
    return noMm(cur, c);
  },
  start: () => ({ fn: 'do_exit', args: {} }),
  describe: (f) => `exit${untilText(f)}`,
};
