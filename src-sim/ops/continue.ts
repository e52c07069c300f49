/** `continue`: resume the CPU's paused operation (to its end, or to a later `until`). */
import { z } from 'zod';
import { common, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('continue') });
export type ContinueOp = { do: 'continue' };

export const continueOp: OpDef<typeof schema, ContinueOp> = {
  schema,
  resolve: () => ({ do: 'continue' }),
  refuse(k, c) {
    const cpu = k.s.cpus[c];
    if (cpu.stack.length === 0 || cpu.op === 'none') return `CPU${c} has no operation in flight to continue`;
    if (cpu.op === 'blocked') return `CPU${c}'s operation is blocked waiting for an IPI to complete; continue the CPU that holds it`;
    return null;
  },
  start: () => {
    throw new Error('continue has no start');
  },
  describe: (f) => `continue${untilText(f)}`,
};
