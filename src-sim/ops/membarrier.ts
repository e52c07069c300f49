/** `membarrier_register` / `membarrier`: register the mm for (SYNC_CORE) expedited membarrier, and issue one. */
import { z } from 'zod';
import { PRIVATE_EXPEDITED_READY, PRIVATE_EXPEDITED_SYNC_CORE_READY } from '../kernel/membarrier.ts';
import { common, noMm, untilText, type OpDef } from './def.ts';

const registerSchema = z.strictObject({ ...common, do: z.literal('membarrier_register'), sync_core: z.boolean().optional() });
export type MembarrierRegisterOp = { do: 'membarrier_register'; sync_core: boolean };

export const membarrierRegisterOp: OpDef<typeof registerSchema, MembarrierRegisterOp> = {
  schema: registerSchema,
  resolve: (_k, f) => ({ do: 'membarrier_register', sync_core: !!f.sync_core }),
  refuse(_k, c, _op, cur) {
    if (cur.kthread) return `${cur.name} is a kernel thread`;
    return noMm(cur, c);
  },
  start: (_k, _c, op) => ({ fn: 'membarrier_register', args: { sync_core: op.sync_core } }),
  describe: (f) => `membarrier register${f.sync_core ? ' SYNC_CORE' : ''}`,
};

const schema = z.strictObject({ ...common, do: z.literal('membarrier'), sync_core: z.boolean().optional() });
export type MembarrierOp = { do: 'membarrier'; sync_core: boolean };

export const membarrierOp: OpDef<typeof schema, MembarrierOp> = {
  schema,
  resolve: (_k, f) => ({ do: 'membarrier', sync_core: !!f.sync_core }),
  refuse(k, c, op, cur) {
    const e = noMm(cur, c);
    if (e || cur.kthread) return e ?? `${cur.name} is a kernel thread`;
    const m = k.s.mms[cur.mm];
    const need = op.sync_core ? PRIVATE_EXPEDITED_SYNC_CORE_READY : PRIVATE_EXPEDITED_READY;
    if (!(m.membarrier_state & need)) return `${m.name} is not registered for this membarrier command (EPERM)`;
    return null;
  },
  start: (_k, _c, op) => ({ fn: 'membarrier', args: { sync_core: op.sync_core } }),
  describe: (f) => `membarrier(PRIVATE_EXPEDITED${f.sync_core ? '_SYNC_CORE' : ''})${untilText(f)}`,
};
