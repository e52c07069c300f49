/** `access`: a load or store by the task running on the CPU (user_access: the TLB, a walk on a miss). */
import { z } from 'zod';
import { address, common, noMm, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('access'), va: address, write: z.boolean().optional() });
export type AccessOp = { do: 'access'; va: number; write: boolean };

export const accessOp: OpDef<typeof schema, AccessOp> = {
  schema,
  resolve: (_k, f) => ({ do: 'access', va: vpnOf(f.va), write: !!f.write }),
  // Nothing mapped is not refused: the kernel's answer is a fault, which the step shows.
  refuse: (_k, c, _op, cur) => noMm(cur, c),
  start: (_k, _c, op) => ({ fn: 'user_access', args: { va: op.va, write: op.write } }),
  describe: (f) => `${f.write ? 'write' : 'read'} ${f.va}${untilText(f)}`,
};
